"""The model zoo: Hugging Face `transformers` models as torch's two exporters and ONNX
Runtime's optimizer write them, in fp32 and fp16 (test/models/zoo, made by make_zoo.py).

Every model is compiled once to an artifact (`kiln-compile --fusion-report -o M.kiln`, all
models in parallel up front). For each one:

  * test_fuses: the fusion report lists no unfused anchor (no Softmax, Erf, Tanh, ReduceMean
    or attention op left outside `tfm`) and at least one tfm.attention was formed;
  * test_matches_torch[shape0|shape1]: kiln-run's output at the two stored shapes matches the
    fp32 torch model's within the model's tolerance (1e-4 fp32, 1e-2 fp16), as
    max|kiln - torch| / max|torch|.

A model listed in test/models/zoo/expected_failures.txt is an expected failure with the
reason given there (strict: once it passes, the test fails until the line is removed).
"""
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import pytest

from kiln_testing import ROOT

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from kiln_artifact import first_error, run_artifact, tool  # noqa: E402

ZOO = os.path.join(ROOT, "test", "models", "zoo")
MANIFEST = json.load(open(os.path.join(ZOO, "manifest.json")))
MODELS = {m["name"]: m for m in MANIFEST["models"]}


def expected_failures(file, checks):
    """{(model, check): reason} from `file` in the zoo: `MODEL CHECK: reason` lines, CHECK
    one of `checks` or * for all of them."""
    known = {}
    path = os.path.join(ZOO, file)
    for line in open(path) if os.path.exists(path) else []:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"(\S+)\s+(\S+):\s*(.+)", line)
        assert m and (m.group(2) in checks or m.group(2) == "*"), \
            "malformed line in %s: %s" % (file, line)
        for check in (checks if m.group(2) == "*" else [m.group(2)]):
            known[(m.group(1), check)] = m.group(3)
    return known


def case(known, name, check):
    """A test parameter for `name`: a strict expected failure when `known` lists it."""
    reason = known.get((name, check))
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(name, id=name, marks=marks)


KNOWN = expected_failures("expected_failures.txt", ["fuses", "shape0", "shape1"])


def compile_one(name, out_dir, flags):
    model = MODELS[name]
    artifact = os.path.join(out_dir, name + ".kiln")
    try:
        r = subprocess.run([tool("kiln-compile"), os.path.join(ZOO, model["file"])] + flags +
                           ["-o", artifact], capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        return name, None, "", "compile: timeout after 900 s"
    if r.returncode:
        return name, None, r.stdout, "compile: exit %d: %s" % (r.returncode, first_error(r.stderr))
    return name, artifact, r.stdout, ""


def compile_zoo(flags):
    """Yields {name: (artifact or None, what kiln-compile printed, error)}, every zoo model
    compiled in parallel with `flags` into a temporary directory."""
    with tempfile.TemporaryDirectory() as tmp:
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
            results = list(pool.map(lambda n: compile_one(n, tmp, flags), sorted(MODELS)))
        yield {name: (artifact, report, error) for name, artifact, report, error in results}


@pytest.fixture(scope="module")
def compiled():
    """{name: (artifact or None, fusion report, error)}."""
    yield from compile_zoo(["--fusion-report"])


def artifact_of(compiled, name):
    artifact, _, error = compiled[name]
    if artifact is None:
        pytest.fail(error)
    return artifact


@pytest.mark.parametrize("name", [case(KNOWN, n, "fuses") for n in sorted(MODELS)])
def test_fuses(compiled, name):
    artifact_of(compiled, name)
    report = compiled[name][1]
    unfused = re.search(r"unfused anchors: (\d+)", report)
    attention = re.search(r"tfm\.attention: (\d+)", report)
    assert unfused and attention, report
    assert int(unfused.group(1)) == 0, report
    assert int(attention.group(1)) >= 1, report


def check_shape(compiled, name, shape, run_flags=()):
    """kiln-run's output at stored shape `shape` matches torch's within the model's tolerance."""
    model = MODELS[name]
    artifact = artifact_of(compiled, name)
    refs = np.load(os.path.join(ZOO, model["reference"]))
    inputs = {i["name"]: refs["shape%d/%s" % (shape, i["name"])] for i in model["inputs"]}
    (got,), _ = run_artifact(artifact, inputs, [model["outputs"][0]["name"]], extra=run_flags)
    want = refs["shape%d/output" % shape]
    assert got.shape == want.shape
    err = float(np.max(np.abs(got.astype(np.float64) - want)) / np.max(np.abs(want)))
    assert err <= model["tolerance"], "max rel err %.3g > %g" % (err, model["tolerance"])


@pytest.mark.parametrize("name", [case(KNOWN, n, "shape0") for n in sorted(MODELS)])
def test_matches_torch_shape0(compiled, name):
    check_shape(compiled, name, 0)


@pytest.mark.parametrize("name", [case(KNOWN, n, "shape1") for n in sorted(MODELS)])
def test_matches_torch_shape1(compiled, name):
    check_shape(compiled, name, 1)
