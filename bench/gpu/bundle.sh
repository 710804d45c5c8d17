#!/usr/bin/env bash
# The GPU benchmark bundle (issue #13): made here, run where a GPU is.
#
#   bash bench/gpu/bundle.sh [DIR]        # here: build DIR (default build/bench-gpu)
#   bash DIR/run.sh [--results=FILE]      # on the GPU machine: the tables, about 4 minutes
#
# DIR holds kiln-run and the runtime, the benchmark's models compiled for sm_90 with their
# kernel reports (bench/gpu/make_models.py: attention, MatMul, and the end-to-end Hugging Face
# models of bench/gpu/models) and the scripts; no weights (every weight is an input, made on
# the GPU machine). It needs the NVIDIA driver and Python with numpy, torch and transformers
# there. `bash DIR/run.sh --device=cuda-emulator --smoke` checks the bundle on this machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-$root/build/bench-gpu}"
rm -rf "$out" && mkdir -p "$out/bin" "$out/lib"
cp "$root/build/bin/kiln-run" "$out/bin/" && cp "$root/build/lib/libkiln_runtime.so" "$out/lib/"
cp "$root/bench/gpu/"{bench,harness,e2e,export_models}.py "$out/"
"$root/.venv/bin/python" "$root/bench/gpu/make_models.py" "$root" "$out"
cat > "$out/run.sh" <<'RUN'
#!/usr/bin/env bash
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec "${PYTHON:-python3}" "$here/bench.py" "$here" "$@"
RUN
chmod +x "$out/run.sh"
du -sh "$out"
