"""Imports every ONNX backend node-test model (shipped in the onnx package) whose operators are
all supported, and checks that kiln-opt round-trips the result (print -> parse -> print is
identical). Known failures are listed, with their reason, in node_import_known_failures.txt:
strict expected failures, so a model on that list that starts passing fails the test until its
line is removed, and one off it that fails is a regression. The round trips run in parallel up front (one module fixture); each test reports
its model's."""
import concurrent.futures
import os
import tempfile

import pytest

from kiln_testing import node_test_candidates, node_test_dir, run, tool

NODE_DIR = node_test_dir()
KNOWN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "node_import_known_failures.txt")


def known_failures():
    if not os.path.exists(KNOWN):
        return {}
    entries = {}
    for line in open(KNOWN):
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, reason = line.partition(":")
            entries[name.strip()] = reason.strip()
    return entries


CANDIDATES = list(node_test_candidates())
KNOWN_FAILURES = known_failures()


def test_enough_candidates():
    # Guards against the glob silently finding nothing (a test that cannot fail otherwise).
    assert len(CANDIDATES) > 300, len(CANDIDATES)


def roundtrip(name, tmp):
    """None when `name` imports and round-trips, else what failed."""
    model = os.path.join(NODE_DIR, name, "model.onnx")
    first, second = os.path.join(tmp, name + ".a.mlir"), os.path.join(tmp, name + ".b.mlir")
    r = run([tool("kiln-import"), model, "-o", first])
    if r.returncode:
        return "kiln-import: " + r.stderr
    r = run([tool("kiln-opt"), first, "-o", second])
    if r.returncode:
        return "kiln-opt: " + r.stderr
    if open(first).read() != open(second).read():
        return "print -> parse -> print differs"
    return None


@pytest.fixture(scope="module")
def roundtrips():
    """{name: None or what failed}, every candidate in parallel."""
    with tempfile.TemporaryDirectory() as tmp:
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
            yield dict(zip(CANDIDATES, pool.map(lambda n: roundtrip(n, tmp), CANDIDATES)))


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=[pytest.mark.xfail(reason=KNOWN_FAILURES[n], strict=True)])
    if n in KNOWN_FAILURES else n for n in CANDIDATES])
def test_import_and_roundtrip(name, roundtrips):
    assert roundtrips[name] is None, roundtrips[name]
