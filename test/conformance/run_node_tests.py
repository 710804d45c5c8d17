#!/usr/bin/env python3
"""Execution conformance of Kiln's CPU path on the ONNX backend node tests.

For every node-test model shipped in the onnx package whose operators Kiln imports (opset
13..max): import and run the graph pipeline (kiln-compile --emit=onnx), add an @entry that
feeds test_data_set_0's inputs as constants and prints every output, lower with the
`kiln-cpu-lower-to-llvm` pipeline, JIT-run it with mlir-runner, and compare with the expected
outputs using onnx's backend-test tolerances (rtol 1e-3, atol 1e-7).

Until the artifact and runtime exist this is how execution is tested; the comparison and the
bookkeeping stay when kiln-run replaces mlir-runner.

Usage:
  run_node_tests.py [--jobs N] [--filter REGEX] [--expected FILE] [--write-expected FILE]
                    [--show-failures]
Ends with "N passed, M failed". With --expected, exits 1 when a test listed there fails
(a regression); tests passing that are not listed are reported as new passes.
"""
import argparse
import collections
import concurrent.futures
import glob
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "test", "python"))
from kiln_testing import opset_range, supported_ops, tool  # noqa: E402

NODE_DIR = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "node")
RUNNER = "/usr/lib/llvm-22/bin/mlir-runner"
RUNNER_LIBS = ",".join("/usr/lib/llvm-22/lib/lib%s.so" % n
                       for n in ("mlir_runner_utils", "mlir_c_runner_utils"))
RTOL, ATOL = 1e-3, 1e-7

MLIR_ELEMENT = {np.dtype("float32"): "f32", np.dtype("float64"): "f64",
                np.dtype("float16"): "f16", np.dtype("int64"): "i64", np.dtype("int32"): "i32",
                np.dtype("int16"): "i16", np.dtype("int8"): "i8", np.dtype("bool"): "i1"}
# Output element type -> (print function, element printed, ONNX Cast target or None).
PRINTERS = {"f32": ("F32", "f32", None), "f64": ("F64", "f64", None),
            "f16": ("F16", "f16", None), "bf16": ("BF16", "bf16", None),
            "i64": ("I64", "i64", None), "i32": ("I32", "i32", None),
            "i16": ("I16", "i16", None),
            # printMemrefI8 prints characters: widen 8-bit and bool outputs to int32.
            "i8": ("I32", "i32", 6), "i1": ("I32", "i32", 6)}


def candidates():
    ops = supported_ops()
    low, high = opset_range()
    for path in sorted(glob.glob(os.path.join(NODE_DIR, "*", "model.onnx"))):
        model = onnx.load(path, load_external_data=False)
        opset = {o.domain or "ai.onnx": o.version for o in model.opset_import}.get("ai.onnx", 0)
        if model.functions or not (low <= opset <= high):
            continue
        if all((n.domain if n.domain != "ai.onnx" else "", n.op_type) in ops
               for n in model.graph.node):
            yield os.path.basename(os.path.dirname(path))


def literal(array):
    """An MLIR dense literal holding `array` exactly (raw little-endian hex)."""
    element = MLIR_ELEMENT.get(array.dtype)
    if element is None:
        raise ValueError("input element type %s" % array.dtype)
    type_ = "tensor<%s>" % "x".join([str(d) for d in array.shape] + [element])
    if array.size == 0:
        return "dense<> : " + type_, type_
    if element == "i1":
        values = ", ".join("true" if v else "false" for v in array.reshape(-1))
        return "dense<[%s]> : tensor<%dxi1>" % (values, array.size), type_, True
    raw = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
    return 'dense<"0x%s"> : %s' % (raw.hex().upper(), type_), type_


def entry_function(arg_types, result_types, inputs):
    lines = []
    used = set()
    body = ["func.func @entry() {"]
    args = []
    for k, array in enumerate(inputs):
        lit = literal(array)
        if len(lit) == 3:  # i1: flat literal, then reshape by cast through a 1-D constant
            flat, type_, _ = lit
            body.append("  %%f%d = onnx.Constant %s" % (k, flat))
            shape = np.array(array.shape, np.int64)
            body.append("  %%s%d = onnx.Constant %s" % (k, literal(shape)[0]))
            body.append("  %%c%d = onnx.Reshape %%f%d, %%s%d : (tensor<%dxi1>, tensor<%dxi64>) -> %s"
                        % (k, k, k, array.size, shape.size, type_))
        else:
            body.append("  %%c%d = onnx.Constant %s" % (k, lit[0]))
            type_ = lit[1]
        body.append("  %%a%d = tensor.cast %%c%d : %s to %s" % (k, k, type_, arg_types[k]))
        args.append("%%a%d" % k)
    body.append("  %%r:%d = call @main(%s) : (%s) -> (%s)" % (
        len(result_types), ", ".join(args), ", ".join(arg_types), ", ".join(result_types)))
    for j, type_ in enumerate(result_types):
        element = type_[len("tensor<"):-1].split("x")[-1]
        if element not in PRINTERS:
            raise ValueError("output element type %s" % element)
        fn, printed, cast_to = PRINTERS[element]
        value = "%%r#%d" % j
        if cast_to is not None:
            cast_type = type_[:len(type_) - len(element) - 1] + printed + ">"
            body.append("  %%p%d = onnx.Cast %s {to = %d : i64} : (%s) -> %s"
                        % (j, value, cast_to, type_, cast_type))
            value, type_ = "%%p%d" % j, cast_type
        body.append("  %%u%d = tensor.cast %s : %s to tensor<*x%s>" % (j, value, type_, printed))
        body.append("  call @printMemref%s(%%u%d) : (tensor<*x%s>) -> ()" % (fn, j, printed))
        used.add((fn, printed))
    body += ["  return", "}"]
    for fn, printed in sorted(used):
        lines.append("func.func private @printMemref%s(tensor<*x%s>) attributes "
                     "{llvm.emit_c_interface}" % (fn, printed))
    return "\n".join(lines + body)


def parse_printed(text):
    data = text.split("data =", 1)[1]
    tokens = re.findall(r"-?nan|-?inf|-?\d+(?:\.\d*)?(?:e[-+]?\d+)?", data)
    return np.array([float(t) for t in tokens], np.float64)


def run_test(name):
    """(name, passed, reason)."""
    try:
        return run_one(name)
    except Exception as e:  # a harness problem must not hide the other results
        return name, False, "harness: %s" % str(e).splitlines()[0][:120]


def run_one(name):
    folder = os.path.join(NODE_DIR, name)
    model_path = os.path.join(folder, "model.onnx")
    data = os.path.join(folder, "test_data_set_0")
    inputs = [numpy_helper.to_array(onnx.load_tensor(p))
              for p in sorted(glob.glob(os.path.join(data, "input_*.pb")),
                              key=lambda p: int(re.search(r"(\d+)\.pb$", p).group(1)))]
    expected = [numpy_helper.to_array(onnx.load_tensor(p))
                for p in sorted(glob.glob(os.path.join(data, "output_*.pb")),
                                key=lambda p: int(re.search(r"(\d+)\.pb$", p).group(1)))]
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([tool("kiln-compile"), model_path, "--emit=onnx", "-o", "-"],
                           capture_output=True, text=True, timeout=120)
        if r.returncode:
            return name, False, "import: " + first_error(r.stderr)
        ir = r.stdout
        sig = re.search(r"func\.func @main\((.*?)\) -> \(?(.*?)\)? \{\n", ir)
        arg_types = re.findall(r"%arg\d+: (tensor<[^>]*>)", sig.group(1))
        result_types = re.findall(r"(tensor<[^>]*>)", sig.group(2))
        if len(arg_types) != len(inputs) or len(result_types) != len(expected):
            return name, False, "harness: optional inputs/outputs"
        try:
            entry = entry_function(arg_types, result_types, inputs)
        except ValueError as e:
            return name, False, "harness: %s" % e
        end = ir.rfind("\n}\n")
        with open(os.path.join(tmp, "t.mlir"), "w") as f:
            f.write(ir[:end] + "\n" + entry + ir[end:])
        r = subprocess.run([tool("kiln-opt"), os.path.join(tmp, "t.mlir"),
                            "--pass-pipeline=builtin.module(kiln-cpu-lower-to-llvm)",
                            "-o", os.path.join(tmp, "t.ll.mlir")],
                           capture_output=True, text=True, timeout=120)
        if r.returncode:
            return name, False, "lower: " + first_error(r.stderr)
        try:
            r = subprocess.run([RUNNER, os.path.join(tmp, "t.ll.mlir"), "-e", "entry",
                                "-entry-point-result=void", "-shared-libs=" + RUNNER_LIBS],
                               capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            return name, False, "run: timeout"
        if r.returncode:
            return name, False, "run: exit %d %s" % (r.returncode, first_error(r.stderr))
    printed = r.stdout.split("Memref")[1:]
    if len(printed) != len(expected):
        return name, False, "run: printed %d outputs, expected %d" % (len(printed), len(expected))
    for j, (text, want) in enumerate(zip(printed, expected)):
        want = want.astype(np.float64)
        if want.size == 0:
            continue  # printMemref shows nothing checkable for an empty tensor
        got = parse_printed(text)
        if got.size != want.size:
            return name, False, "output %d: %d values, expected %d" % (j, got.size, want.size)
        got = got.reshape(want.shape)
        if not np.allclose(got, want, rtol=RTOL, atol=ATOL, equal_nan=True):
            return name, False, "output %d: values differ (max abs diff %.3g)" % (
                j, np.nanmax(np.abs(got - want)) if want.size else 0)
    return name, True, ""


def write_junit(path, results, must_pass):
    from xml.sax.saxutils import quoteattr
    with open(path, "w") as f:
        f.write('<testsuite name="onnx-node-conformance">\n')
        for name, ok, why in results:
            f.write('<testcase classname="conformance" name=%s>' % quoteattr(name))
            if not ok:
                tag = "failure" if name in must_pass else "skipped"
                f.write("<%s message=%s/>" % (tag, quoteattr(why)))
            f.write("</testcase>\n")
        f.write("</testsuite>\n")


def first_error(stderr):
    for line in stderr.splitlines():
        if "error:" in line:
            return line.split("error:", 1)[1].strip()[:160]
    return stderr.strip().splitlines()[0][:160] if stderr.strip() else "failed"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--filter", default="")
    ap.add_argument("--expected", help="file listing tests that must pass")
    ap.add_argument("--write-expected", help="write the passing tests to this file")
    ap.add_argument("--show-failures", action="store_true")
    ap.add_argument("--junit", help="write a JUnit XML report: passes, regressions as "
                                    "failures, known failures as skipped")
    args = ap.parse_args()
    names = [n for n in candidates() if re.search(args.filter, n)]
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(run_test, names))
    passed = sorted(n for n, ok, _ in results if ok)
    failures = [(n, why) for n, ok, why in results if not ok]
    categories = collections.Counter(re.sub(r"'[^']*'|\d+(\.\d+)?(e[-+]?\d+)?", "_", why)[:70]
                                     for _, why in failures)
    print("failure reasons (most common first):")
    for reason, count in categories.most_common(25):
        print("  %4d  %s" % (count, reason))
    if args.show_failures:
        for n, why in failures:
            print("FAIL %s: %s" % (n, why))
    status = 0
    listed = set()
    if args.expected:
        listed = {l.strip() for l in open(args.expected)
                  if l.strip() and not l.startswith("#")} & set(names)
        regressions = sorted(listed - set(passed))
        new = sorted(set(passed) - listed)
        for n in regressions:
            print("REGRESSION %s: %s" % (n, dict(failures).get(n, "not run")))
        if new:
            print("%d tests pass that are not in %s (update it with --write-expected)"
                  % (len(new), os.path.relpath(args.expected, ROOT)))
        status = 1 if regressions else 0
    if args.junit:
        write_junit(args.junit, results, listed if args.expected else set(passed))
    if args.write_expected:
        with open(args.write_expected, "w") as f:
            f.write("# ONNX backend node tests the CPU path must pass (run_node_tests.py).\n")
            f.writelines(n + "\n" for n in passed)
    print("%d passed, %d failed" % (len(passed), len(failures)))
    return status


if __name__ == "__main__":
    sys.exit(main())
