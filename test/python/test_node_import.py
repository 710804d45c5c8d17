"""Imports every ONNX backend node-test model (shipped in the onnx package) whose operators are
all supported, and checks that kiln-opt round-trips the result (print -> parse -> print is
identical). Known failures are listed, with their reason, in node_import_known_failures.txt: a
model on that list that starts passing is reported (XPASS), one off it that fails is a
regression."""
import os

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


@pytest.mark.parametrize("name", CANDIDATES)
def test_import_and_roundtrip(name, tmp_path):
    if name in KNOWN_FAILURES:
        pytest.xfail(KNOWN_FAILURES[name])
    model = os.path.join(NODE_DIR, name, "model.onnx")
    first, second = tmp_path / "a.mlir", tmp_path / "b.mlir"
    r = run([tool("kiln-import"), model, "-o", str(first)])
    assert r.returncode == 0, r.stderr
    r = run([tool("kiln-opt"), str(first), "-o", str(second)])
    assert r.returncode == 0, r.stderr
    assert first.read_text() == second.read_text()
