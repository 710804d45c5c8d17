#!/usr/bin/env python3
"""Execution conformance of Kiln on the ONNX backend node tests.

For every node-test model shipped in the onnx package whose operators Kiln imports (opset
13..max): compile it into an artifact (kiln-compile -o), run it with kiln-run on test_data_set_0's
inputs (.npy), and compare the .npy outputs with the expected ones using onnx's backend-test
tolerances (rtol 1e-3, atol 1e-7): the path a user takes. With --target=cuda the artifact is a
CUDA one (kernels for --gpu-arch, assembled by ptxas) run on the emulated device.

Usage:
  run_node_tests.py [--jobs N] [--filter REGEX] [--expected FILE] [--write-expected FILE]
                    [--show-failures] [--target=cpu|cuda] [--gpu-arch=LIST] [--every=N]
Ends with "N passed, M failed". With --expected, exits 1 when a test listed there fails
(a regression); tests passing that are not listed are reported as new passes.
"""
import argparse
import collections
import concurrent.futures
import glob
import os
import re
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "test", "python"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from kiln_artifact import KilnError, compile_and_run  # noqa: E402
from kiln_testing import node_test_candidates, node_test_dir  # noqa: E402

NODE_DIR = node_test_dir()
RTOL, ATOL = 1e-3, 1e-7


COMPILE_FLAGS, RUN_FLAGS = [], []
TARGET = "cpu"


def run_test(name):
    """(name, passed, reason)."""
    try:
        return run_one(name)
    except Exception as e:  # a harness problem must not hide the other results
        return name, False, "harness: %s" % str(e).splitlines()[0][:120]


def load_tensors(folder, prefix):
    paths = sorted(glob.glob(os.path.join(folder, prefix + "_*.pb")),
                   key=lambda p: int(re.search(r"(\d+)\.pb$", p).group(1)))
    return [numpy_helper.to_array(onnx.load_tensor(p)) for p in paths]


def run_one(name):
    data = os.path.join(NODE_DIR, name, "test_data_set_0")
    inputs, expected = load_tensors(data, "input"), load_tensors(data, "output")
    try:
        outputs, _ = compile_and_run(os.path.join(NODE_DIR, name, "model.onnx"), inputs,
                                     [e.shape for e in expected], compile_flags=COMPILE_FLAGS,
                                     run_flags=RUN_FLAGS)
    except KilnError as e:
        return name, False, str(e)
    for j, (got, want) in enumerate(zip(outputs, expected)):
        if got.shape != want.shape:
            return name, False, "output %d: shape %s, expected %s" % (j, got.shape, want.shape)
        got, want = got.astype(np.float64), want.astype(np.float64)
        if want.size and not np.allclose(got, want, rtol=RTOL, atol=ATOL, equal_nan=True):
            return name, False, "output %d: values differ (max abs diff %.3g)" % (
                j, np.nanmax(np.abs(got - want)))
    return name, True, ""


def write_junit(path, results, must_pass):
    from xml.sax.saxutils import quoteattr
    with open(path, "w") as f:
        f.write('<testsuite name="onnx-node-conformance">\n')
        for name, ok, why in results:
            f.write('<testcase classname="conformance%s" name=%s>'
                    % ("" if TARGET == "cpu" else "." + TARGET, quoteattr(name)))
            if ok:
                pass
            elif name in must_pass:
                f.write("<failure message=%s/>" % quoteattr(why))
            else:  # a known failure: an expected failure with its reason
                f.write('<skipped type="expected-failure" message=%s/>' % quoteattr(why))
            f.write("</testcase>\n")
        f.write("</testsuite>\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--filter", default="")
    ap.add_argument("--expected", help="file listing tests that must pass")
    ap.add_argument("--write-expected", help="write the passing tests to this file")
    ap.add_argument("--show-failures", action="store_true")
    ap.add_argument("--junit", help="write a JUnit XML report: passes, regressions as "
                                    "failures, known failures as expected failures")
    ap.add_argument("--target", default="cpu", choices=["cpu", "cuda"],
                    help="cuda: compile for CUDA and run on the emulated device")
    ap.add_argument("--gpu-arch", default="sm_80,sm_90")
    ap.add_argument("--every", type=int, default=1,
                    help="run every N-th candidate only (a sample, for the CUDA target in CI)")
    args = ap.parse_args()
    global TARGET
    TARGET = args.target
    if args.target == "cuda":
        COMPILE_FLAGS.extend(["--target=cuda", "--gpu-arch=" + args.gpu_arch])
        RUN_FLAGS.append("--device=cuda-emulator")
    names = [n for n in node_test_candidates() if re.search(args.filter, n)][::args.every]
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
