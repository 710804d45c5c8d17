"""Shared helpers of Kiln's Python tests: tool paths and the operator set Kiln imports."""
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(os.environ.get("KILN_BUILD_DIR", os.path.join(ROOT, "build")), "bin")


def tool(name):
    return os.path.join(BIN, name)


def supported_ops():
    """(domain, op_type) pairs of the generated schema table, plus Constant."""
    text = open(os.path.join(ROOT, "dialects", "ONNX", "ONNXSchemas.gen.inc")).read()
    ops = set(re.findall(r'KILN_ONNX_SCHEMA\("([^"]*)", "([^"]+)"', text))
    ops.add(("", "Constant"))
    return ops


def opset_range():
    text = open(os.path.join(ROOT, "dialects", "ONNX", "ONNXSchemas.gen.inc")).read()
    return 13, int(re.search(r"KILN_MAX_ONNX_OPSET (\d+)", text).group(1))


def node_test_dir():
    import onnx
    return os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "node")


def node_test_candidates():
    """ONNX backend node tests whose operators Kiln imports, at a supported opset."""
    import glob
    import onnx
    ops = supported_ops()
    low, high = opset_range()
    for path in sorted(glob.glob(os.path.join(node_test_dir(), "*", "model.onnx"))):
        model = onnx.load(path, load_external_data=False)
        opset = {o.domain or "ai.onnx": o.version for o in model.opset_import}.get("ai.onnx", 0)
        if model.functions or not (low <= opset <= high):
            continue
        if all((n.domain if n.domain != "ai.onnx" else "", n.op_type) in ops
               for n in model.graph.node):
            yield os.path.basename(os.path.dirname(path))


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kwargs)


def onnxruntime_relative_error(path, feeds, tmp_path):
    """Compiles the one-output model at `path`, runs it with kiln-run and with onnxruntime
    on `feeds`, and returns the max error relative to onnxruntime's largest output value."""
    import sys
    import numpy as np
    import onnxruntime as ort
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    from kiln_artifact import compile_model, graph_io_names, run_artifact
    expected = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(None, feeds)[0]
    artifact = os.path.join(str(tmp_path), os.path.basename(path) + ".kiln")
    compile_model(path, artifact)
    _, output_names = graph_io_names(path)
    (got,), _ = run_artifact(artifact, feeds, output_names, threads=2)
    assert got.shape == expected.shape
    return float(np.abs(got - expected).max() / np.abs(expected).max())
