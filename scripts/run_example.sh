#!/usr/bin/env bash
# The README's main job: set up, build, then compile the bundled example model (a tiny
# BERT-style encoder exported by torch), print what Kiln made of it with per-stage timings, run
# it on the reference CPU path and compare its outputs with onnxruntime's. Pass another .onnx
# file to use that one instead.
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
echo
echo "== run on the reference CPU path (lowered to LLVM, JIT-executed) vs onnxruntime"
.venv/bin/python scripts/run_example.py "$model"
echo
echo "The artifact (kiln-compile -o MODEL.kiln), the runtime and kiln-run are the next"
echo "milestone: docs/design/runtime-and-artifact.md, docs/status.md."
