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


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kwargs)
