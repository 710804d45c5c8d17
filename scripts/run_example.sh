#!/usr/bin/env bash
# The README's main job: set up, build, then compile the bundled example model (a tiny
# BERT-style encoder exported by torch) into an artifact, print what Kiln made of it with
# per-stage timings, run it with kiln-run (outputs, latency) and compare its outputs and latency
# with onnxruntime's. Pass another .onnx file to use that one instead.
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
echo "== compile to a CPU artifact, run it with kiln-run, compare with onnxruntime"
.venv/bin/python scripts/run_example.py "$model"
