"""Replays every input that once crashed Kiln (test/fuzz/regressions) through kiln-import: each
must end in a clean success or a clean error (exit 0 or 1, an 'error:' line), never a crash."""
import glob
import os

import pytest

from kiln_testing import ROOT, run, tool

INPUTS = sorted(glob.glob(os.path.join(ROOT, "test", "fuzz", "regressions", "*")))
INPUTS = [p for p in INPUTS if not p.endswith(".md")]


def test_regressions_exist():
    assert INPUTS, "no regression inputs found"


@pytest.mark.parametrize("path", INPUTS, ids=os.path.basename)
def test_replay(path):
    r = run([tool("kiln-import"), path, "--no-output"])
    assert r.returncode in (0, 1), r.stderr
    assert "PLEASE submit a bug report" not in r.stderr
    if r.returncode:
        assert "error:" in r.stderr
