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
