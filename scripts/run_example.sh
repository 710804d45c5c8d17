#!/usr/bin/env bash
# The README's main job: set up, build, then compile the bundled example model (a tiny
# BERT-style encoder exported by torch) through the graph pipeline and print what Kiln made of
# it, with per-stage timings. Pass another .onnx file to compile that one instead.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
bash scripts/build.sh
model="${1:-test/models/bert_tiny.onnx}"
out="build/example/$(basename "$model" .onnx).onnx.mlir"
mkdir -p build/example
echo "== kiln-compile $model --emit=onnx"
build/bin/kiln-compile "$model" --emit=onnx -o "$out" --summary --mlir-timing
echo "== wrote $out ($(wc -l <"$out") lines); first ops:"
grep -m 12 -E "onnx\.(MatMul|Reshape|Transpose|Softmax|LayerNormalization)" "$out" | cut -c1-160
echo
echo "Compiling to a runnable artifact (kiln-compile -o MODEL.kiln) and kiln-run are not"
echo "implemented yet: see docs/status.md."
