"""Compiles an ONNX model into a Kiln artifact and runs it with kiln-run.

The path a user takes: `kiln-compile MODEL.onnx -o MODEL.kiln`, then
`kiln-run MODEL.kiln --input NAME=FILE.npy ... --output-dir DIR`. Used by the main job
(run_example.py), the numerics tests, the conformance runner and the benchmarks.
"""
import os
import subprocess
import tempfile
import time

import numpy as np
import onnx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(os.environ.get("KILN_BUILD_DIR", os.path.join(ROOT, "build")), "bin")


class KilnError(Exception):
    """A stage failed: `stage` is compile, harness or run."""

    def __init__(self, stage, message):
        super().__init__("%s: %s" % (stage, message))
        self.stage = stage


def tool(name):
    return os.path.join(BIN, name)


def first_error(stderr):
    for line in stderr.splitlines():
        if "error:" in line:
            return line.split("error:", 1)[1].strip()[:200]
    lines = stderr.strip().splitlines()
    return lines[0][:200] if lines else "failed"


def run_tool(args, stage, timeout=900):
    try:
        r = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise KilnError(stage, "timeout after %d s" % timeout)
    if r.returncode:
        raise KilnError(stage, "exit %d: %s" % (r.returncode, first_error(r.stderr)))
    return r.stdout


def compile_model(model_path, artifact_path, extra=()):
    run_tool([tool("kiln-compile"), model_path, "-o", artifact_path] + list(extra), "compile")


def graph_io_names(model_path):
    """Names of the graph's real inputs (initializers excluded) and of its outputs."""
    model = onnx.load(model_path, load_external_data=False)
    initializers = {i.name for i in model.graph.initializer}
    inputs = [i.name for i in model.graph.input if i.name not in initializers]
    return inputs, [o.name for o in model.graph.output]


def run_artifact(artifact_path, named_inputs, output_names, threads=1, extra=()):
    """Runs the artifact on {name: array}; returns the outputs in `output_names` order."""
    with tempfile.TemporaryDirectory() as tmp:
        args = [tool("kiln-run"), artifact_path, "--output-dir", tmp, "--quiet",
                "--threads=%d" % threads] + list(extra)
        for k, (name, array) in enumerate(named_inputs.items()):
            path = os.path.join(tmp, "input%d.npy" % k)
            np.save(path, np.array(array, order="C", copy=True))  # keeps 0-d arrays 0-d
            args += ["--input", "%s=%s" % (name, path)]
        out = run_tool(args, "run")
        outputs = []
        for name in output_names:
            path = os.path.join(tmp, name.replace("/", "_") + ".npy")
            if not os.path.exists(path):
                raise KilnError("run", "no output file for '%s'" % name)
            outputs.append(np.load(path))
        return outputs, out


def compile_and_run(model_path, inputs, output_shapes=None, threads=1, compile_flags=(),
                    run_flags=()):
    """Compiles `model_path` and runs it on `inputs` (arrays in graph-input order). Returns the
    outputs and the seconds each stage took."""
    input_names, output_names = graph_io_names(model_path)
    if len(input_names) != len(inputs) or (output_shapes is not None and
                                           len(output_names) != len(output_shapes)):
        raise KilnError("harness", "optional inputs/outputs")
    timings = {}
    with tempfile.TemporaryDirectory() as tmp:
        artifact = os.path.join(tmp, "model.kiln")
        start = time.perf_counter()
        compile_model(model_path, artifact, compile_flags)
        timings["kiln-compile"] = time.perf_counter() - start
        start = time.perf_counter()
        outputs, _ = run_artifact(artifact, dict(zip(input_names, inputs)), output_names,
                                  threads=threads, extra=run_flags)
        timings["kiln-run (load + run + write)"] = time.perf_counter() - start
    return outputs, timings
