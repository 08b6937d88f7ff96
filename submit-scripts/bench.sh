#!/usr/bin/env bash
# Kernel and distribution benchmarks, side by side with the PyTorch peers when they can run:
#   submit-scripts/bench.sh [EXAMPLES] [PEERS_DIR]
# For the default job (conf/mnist-cnn.conf, the two-block CNN) and conf/seq-mnist-lstm.conf (the LSTM): sparktrain's
# single-process and Spark local-mode examples/s (`bench CONF`: the job's network, workers and averaging, with the
# peers' Adam 0.001 and minibatches of 64),
# then the PyTorch peer on the same examples and cores (Debian: apt-get install python3-torch), and the ratios.
# EXAMPLES defaults to 6400; PEERS_DIR to ../shared/peers. MNIST must be in data/mnist (fetch-mnist.sh).
set -euo pipefail
source "$(dirname "$0")/common.sh"
examples=${1:-6400}
peers=${2:-$ROOT/../shared/peers}
build_if_missing
choose_native_build
[[ -s "$ROOT/data/mnist/train-images-idx3-ubyte" ]] || "$ROOT/submit-scripts/fetch-mnist.sh" "$ROOT/data/mnist"
cores=$(nproc)
python=/usr/bin/python3
have_torch=0
[[ -x $python ]] && $python -c "import torch" 2>/dev/null && have_torch=1

ours() {  # CONF -> prints the bench block, leaves single-process examples/s in $single
  local out
  # The peers' settings (Adam 0.001, minibatches of 64), so that the kernel ratio compares like with like.
  sparktrain_java -Xmx6g bench "$1" --examples "$examples" --set data.dir="$ROOT/data/mnist" \
    --set training.batchSizePerWorker=64 --set training.learningRate=0.001 --set training.learningRateDecay=1.0
  out=$(cd "$ROOT" && "${JAVA_CMD[@]}")
  echo "$out"
  single=$(grep -Eo 'single process, .*: [0-9.]+ examples/s' <<<"$out" | grep -Eo '[0-9.]+ examples/s' | grep -Eo '^[0-9.]+')
}

peer() {  # SCRIPT ARGS... -> prints the peer's line, leaves examples/s in $theirs
  local out
  # At the peer's best: without the machine's OpenBLAS overrides (../shared/peers/README.md).
  out=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $python "$@" 2>/dev/null | tail -1)
  echo "  peer: $out"
  theirs=$(grep -Eo '= [0-9.]+ samples/s' <<<"$out" | grep -Eo '[0-9.]+')
}

echo "machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); ND4J native build: ${NATIVE_EXT:-generic}"
# The peers run with 1 thread and with every core; the ratio is against the faster of the two.
compare() {  # NAME SCRIPT [EXTRA ARGS]
  local name="$1" script="$2" best=0; shift 2
  for t in 1 "$cores"; do
    peer "$script" "$ROOT/data/mnist" "$examples" "$t" "$@"
    best=$(awk -v a="$theirs" -v b="$best" 'BEGIN{print (a > b ? a : b)}')
  done
  echo "  kernel ratio sparktrain / PyTorch ($name, best of each): $(awk -v a="$single" -v b="$best" 'BEGIN{printf "%.3f", a/b}')"
}
ours conf/mnist-cnn.conf
[[ $have_torch == 1 ]] && compare CNN "$peers/pytorch_mnist_cnn.py" 1
ours conf/seq-mnist-lstm.conf
[[ $have_torch == 1 ]] && compare LSTM "$peers/pytorch_seq_mnist_lstm.py"
[[ $have_torch == 1 ]] || echo "PyTorch not found ($python -c 'import torch' failed): peers skipped"
