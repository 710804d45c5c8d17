#!/usr/bin/env python3
"""The main job's second half: compile a model into an artifact, run it, show outputs and time.

kiln-compile MODEL.onnx -o MODEL.kiln (with --timing), then kiln-run on seeded random inputs of
the given shapes (dynamic dims from --dim NAME=VALUE) with .npy inputs and outputs and a short
benchmark; the same inputs through onnxruntime for the largest difference and its latency.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiln_artifact import KilnError, graph_io_names, run_artifact, tool  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--dim", action="append", default=[], metavar="NAME=VALUE",
                    help="value of a symbolic dim (default 2 for batch-like dims, 16 otherwise)")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    dims = dict(d.split("=", 1) for d in args.dim)
    model = onnx.load(args.model, load_external_data=False)
    rng = np.random.default_rng(0)
    inputs = {}
    input_names, output_names = graph_io_names(args.model)
    for value in model.graph.input:
        if value.name not in input_names:
            continue
        t = value.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") else
                 int(dims.get(d.dim_param, 2 if "batch" in d.dim_param else 16))
                 for d in t.shape.dim]
        dtype = onnx.helper.tensor_dtype_to_np_dtype(t.elem_type)
        inputs[value.name] = (rng.integers(0, 50, size=shape).astype(dtype)
                              if np.issubdtype(dtype, np.integer)
                              else rng.standard_normal(shape).astype(dtype))

    with tempfile.TemporaryDirectory() as tmp:
        artifact = os.path.join(tmp, os.path.splitext(os.path.basename(args.model))[0] + ".kiln")
        print("$ kiln-compile %s -o %s --timing" % (args.model, os.path.basename(artifact)))
        start = time.perf_counter()
        r = subprocess.run([tool("kiln-compile"), args.model, "-o", artifact, "--timing"],
                           capture_output=True, text=True)
        compile_s = time.perf_counter() - start
        if r.returncode:
            print(r.stderr)
            return 1
        # The timing tree: keep the stage lines, not every pass.
        for line in r.stderr.splitlines():
            if line.startswith("   ") and not line.startswith("      ") and "(" in line:
                print("  " + line.strip())
        print("compiled in %.2f s: %s, %d bytes" % (compile_s, os.path.basename(artifact),
                                                   os.path.getsize(artifact)))
        print("$ kiln-run %s --input ... --output-dir out/ --benchmark=20 --threads=%d"
              % (os.path.basename(artifact), args.threads))
        try:
            outputs, log = run_artifact(artifact, inputs, output_names, threads=args.threads,
                                        extra=["--benchmark=20"])
        except KilnError as e:
            print("kiln: %s" % e)
            return 1
        print("  " + log.strip().splitlines()[-1])

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    session = ort.InferenceSession(args.model, options)
    expected = session.run(None, inputs)
    times = []
    for _ in range(20):
        start = time.perf_counter()
        session.run(None, inputs)
        times.append((time.perf_counter() - start) * 1e3)
    for name, array in inputs.items():
        print("input  %-18s %s %s" % (name, array.dtype.name, list(array.shape)))
    for name, got, want in zip(output_names, outputs, expected):
        flat = got.reshape(-1)
        diff = float(np.abs(got.astype(np.float64) - want).max()) if want.size else 0.0
        print("output %-18s %s first values %s  max |kiln - onnxruntime| = %.3g"
              % (name, list(got.shape), np.array2string(flat[:4], precision=4), diff))
    print("onnxruntime p50 %.3f ms (same inputs, %d threads)" % (np.median(times), args.threads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
