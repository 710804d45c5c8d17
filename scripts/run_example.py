#!/usr/bin/env python3
"""The main job's second half: run a model on the reference CPU path and show the outputs.

Feeds seeded random inputs of the given shapes (dynamic dims from --dim NAME=VALUE), runs the
model through Kiln (scripts/kiln_jit.py: compile, lower to LLVM, JIT-run) and through
onnxruntime, prints each output's shape, first values and the largest difference, and the time
of each Kiln stage.
"""
import argparse
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiln_jit import KilnError, compile_and_run  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model")
    ap.add_argument("--dim", action="append", default=[], metavar="NAME=VALUE",
                    help="value of a symbolic dim (default 1 for batch-like dims, 16 otherwise)")
    args = ap.parse_args()
    dims = dict(d.split("=", 1) for d in args.dim)
    model = onnx.load(args.model, load_external_data=False)
    rng = np.random.default_rng(0)
    inputs = {}
    for value in model.graph.input:
        t = value.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") else
                 int(dims.get(d.dim_param, 2 if "batch" in d.dim_param else 16))
                 for d in t.shape.dim]
        dtype = onnx.helper.tensor_dtype_to_np_dtype(t.elem_type)
        inputs[value.name] = (rng.integers(0, 50, size=shape).astype(dtype)
                              if np.issubdtype(dtype, np.integer)
                              else rng.standard_normal(shape).astype(dtype))
        print("input  %-16s %s %s" % (value.name, dtype.name, list(shape)))
    expected = ort.InferenceSession(args.model).run(None, inputs)
    try:
        outputs, timings = compile_and_run(args.model, list(inputs.values()),
                                           [e.shape for e in expected])
    except KilnError as e:
        print("kiln: %s" % e)
        return 1
    for value, got, want in zip(model.graph.output, outputs, expected):
        flat = got.reshape(-1)
        diff = np.abs(got - want).max() if want.size else 0.0
        print("output %-16s %s first values %s  max |kiln - onnxruntime| = %.3g"
              % (value.name, list(got.shape), np.array2string(flat[:4], precision=4), diff))
    for stage, seconds in timings.items():
        print("time   %-24s %.3f s" % (stage, seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
