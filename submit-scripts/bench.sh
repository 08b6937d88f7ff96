#!/usr/bin/env bash
# Kernel and distribution benchmarks, side by side with the PyTorch peers in the same run:
#   submit-scripts/bench.sh [EXAMPLES] [PEERS_DIR | none]
# For the default job (conf/mnist-cnn.conf, the two-block CNN), conf/seq-mnist-lstm.conf (the LSTM) and
# conf/seq-mnist-gru.conf (the GRU): sparktrain's
# single-process and Spark local-mode examples/s (`bench CONF`: the job's network, workers and averaging, with the
# peers' Adam 0.001 and minibatches of 64), then the PyTorch peer on the same examples, and the ratios.
# EXAMPLES defaults to 6400; PEERS_DIR to submit-scripts/peers (the same scripts as the team's shared peers);
# "none" runs ours only. MNIST must be in data/mnist (fetch-mnist.sh).
#
# The peers run at their best: Debian's python3-torch with an optimised BLAS (apt-get install python3-torch
# libopenblas0-pthread; the script prints the libblas.so.3 the peer loads and refuses the reference BLAS, with which
# the recurrent peers run about 10x slower), at 1 thread and at every core, each with OpenBLAS's thread pool at its
# default and at that count, all with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset in the peer's own command (faster
# here), and each ratio is against the fastest.
# A missing or failing peer stops the script with a message and exit 1.
set -euo pipefail
source "$(dirname "$0")/common.sh"
examples=${1:-6400}
peers=${2:-$ROOT/submit-scripts/peers}
build_if_missing
choose_native_build
[[ -s "$ROOT/data/mnist/train-images-idx3-ubyte" ]] || "$ROOT/submit-scripts/fetch-mnist.sh" "$ROOT/data/mnist"
cores=$(nproc)
python=/usr/bin/python3
fail() { echo "bench.sh: $*" >&2; exit 1; }

if [[ "$peers" != none ]]; then
  [[ -d "$peers" ]] || fail "peers folder $peers not found (the PyTorch scripts; or pass 'none' to run ours only)"
  for s in pytorch_mnist_cnn.py pytorch_seq_mnist_lstm.py pytorch_seq_mnist_gru.py; do
    [[ -f "$peers/$s" ]] || fail "peer script $peers/$s not found"
  done
  [[ -x $python ]] || fail "$python not found: the peers need Debian's python3-torch (apt-get install python3-torch libopenblas0-pthread)"
  # The BLAS Debian's torch does its matrix products with is whatever libblas.so.3 resolves to.
  peer_blas=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $python -c '
import torch
torch.ones(2, 2) @ torch.ones(2, 2)
import os
print(next(os.path.realpath(l.split()[-1]) for l in open("/proc/self/maps") if l.rstrip().endswith("libblas.so.3")))
' 2>&1) || fail "the peers cannot import torch with $python: ${peer_blas##*$'\n'} (apt-get install python3-torch libopenblas0-pthread)"
  case "$peer_blas" in
    */blas/libblas.so.3) fail "the peer's BLAS is the reference implementation ($peer_blas), about 10x slower than an optimised one: apt-get install libopenblas0-pthread (or select one with update-alternatives --config libblas.so.3-x86_64-linux-gnu)" ;;
  esac
fi

ours() {  # CONF -> prints the bench block, leaves single-process examples/s in $single
  local out
  # The peers' settings (Adam at a constant 0.001, minibatches of 64), so that the kernel ratio compares like with
  # like.
  sparktrain_java -Xmx6g bench "$1" --examples "$examples" --set data.dir="$ROOT/data/mnist" \
    --set training.batchSizePerWorker=64 --set training.learningRate=0.001 --set training.learningRateDecay=1.0 \
    --set training.schedule.kind=exponential
  out=$(cd "$ROOT" && "${JAVA_CMD[@]}")
  echo "$out"
  single=$(grep -Eo 'single process, .*: [0-9.]+ examples/s' <<<"$out" | grep -Eo '[0-9.]+ examples/s' | grep -Eo '^[0-9.]+')
}

peer() {  # BLAS_THREADS SCRIPT ARGS... -> prints the peer's line, leaves examples/s in $theirs
  local out log blas="$1" label="OpenBLAS threads: its default"; shift
  local blas_env=()
  [[ "$blas" == default ]] || { blas_env=("OPENBLAS_NUM_THREADS=$blas"); label="OPENBLAS_NUM_THREADS=$blas"; }
  log=$(mktemp)
  # At the peer's best: without the machine's OpenBLAS overrides (peers' README).
  out=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "${blas_env[@]}" $python "$@" 2>"$log" | tail -1) \
    || { tail -5 "$log" >&2; rm -f "$log"; fail "peer $* failed"; }
  rm -f "$log"
  echo "  peer ($label): $out"
  theirs=$(grep -Eo '= [0-9.]+ samples/s' <<<"$out" | grep -Eo '[0-9.]+') || fail "peer $1 printed no 'N samples/s' line: $out"
}

echo "machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); ND4J native build: ${NATIVE_EXT:-generic}"
[[ "$peers" == none ]] || echo "peers: $python, torch $($python -c 'import torch; print(torch.__version__)'), BLAS $peer_blas"
# The peers run with 1 thread and with every core (torch.set_num_threads), each with OpenBLAS's own thread pool
# at its default (every core) and at the same count (OPENBLAS_NUM_THREADS: the 1-thread recurrent peers run ~20%
# faster with it, the CNN slower); the ratio is against the fastest of the four.
compare() {  # NAME SCRIPT [EXTRA ARGS]
  local name="$1" script="$2" best=0; shift 2
  [[ "$peers" != none ]] || return 0
  for t in 1 "$cores"; do
    for blas in default "$t"; do
      peer "$blas" "$peers/$script" "$ROOT/data/mnist" "$examples" "$t" "$@"
      best=$(awk -v a="$theirs" -v b="$best" 'BEGIN{print (a > b ? a : b)}')
    done
  done
  echo "  kernel ratio sparktrain / PyTorch ($name, best of each): $(awk -v a="$single" -v b="$best" 'BEGIN{printf "%.3f", a/b}')"
}
ours conf/mnist-cnn.conf
compare CNN pytorch_mnist_cnn.py 1
ours conf/seq-mnist-lstm.conf
compare LSTM pytorch_seq_mnist_lstm.py
ours conf/seq-mnist-gru.conf
compare GRU pytorch_seq_mnist_gru.py
