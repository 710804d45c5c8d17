#!/usr/bin/env bash
# The device check (issue #12): a bundle built here, run where a GPU is.
#
#   bash test/gpu/device-check.sh bundle [DIR]   # here: build DIR (default build/device-check)
#   bash DIR/run.sh                              # on the GPU machine: one table, exit 1 on a mismatch
#
# The bundle (< 60 MB) holds kiln-run and the runtime, every committed model compiled for
# sm_90 (test/models/*.onnx, and the zoo's fp32 and fp16 dynamo exports of each architecture),
# their inputs at the zoo's first stored shape, reference outputs (torch's for the zoo, the
# CPU target's for the hand-written models), the decoders of test/models/decoders for
# kiln-generate (torch's greedy tokens) and check.py. On the GPU machine it needs only the
# NVIDIA driver and Python with numpy: each model runs with kiln-run --device=cuda, its
# outputs are compared with the references, and kiln-run --benchmark times it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
mode="${1:-}"
[ "$mode" = bundle ] || { echo "usage: $0 bundle [DIR]" >&2; exit 2; }
out="${2:-$root/build/device-check}"
bin="$root/build/bin"
rm -rf "$out" && mkdir -p "$out/models" "$out/bin" "$out/lib"
cp "$bin/kiln-run" "$bin/kiln-generate" "$out/bin/" && cp "$root/build/lib/libkiln_runtime.so" "$out/lib/"
cp "$root/test/gpu/check.py" "$out/"
"$root/.venv/bin/python" "$root/test/gpu/make_bundle.py" "$root" "$out"
cat > "$out/run.sh" <<'RUN'
#!/usr/bin/env bash
# Runs every model of the bundle on CUDA device 0 and prints one table.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec python3 "$here/check.py" "$here" "$@"
RUN
chmod +x "$out/run.sh"
du -sh "$out"
