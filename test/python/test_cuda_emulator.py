"""The CUDA target on the emulated device (docs/design/cuda-emulator.md): every zoo model
(test/models/zoo) compiled with `kiln-compile --target=cuda` for sm_80 and sm_90 (so ptxas
assembles every kernel for both), then run with `kiln-run --device=cuda-emulator`, which
executes the kernels' host twins thread by thread, at both stored shapes; the outputs must
match the torch model's within the model's tolerance (1e-4 fp32, 1e-2 fp16), as for the CPU
target in test_zoo.py. Kernels that spill registers are reported by `--kernel-report`, and
the default configuration must have none.

A model listed in test/models/zoo/cuda_expected_failures.txt is an expected failure with the
reason given there (strict).
"""
import concurrent.futures
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

from test_zoo import MODELS, ZOO  # noqa: E402


def expected_failures():
    known = {}
    path = os.path.join(ZOO, "cuda_expected_failures.txt")
    for line in open(path) if os.path.exists(path) else []:
        line = line.strip()
        if line and not line.startswith("#"):
            m = re.match(r"(\S+)\s+(compiles|shape0|shape1|\*):\s*(.+)", line)
            assert m, "malformed line in cuda_expected_failures.txt: " + line
            for check in (["compiles", "shape0", "shape1"] if m.group(2) == "*" else [m.group(2)]):
                known[(m.group(1), check)] = m.group(3)
    return known


KNOWN = expected_failures()


def case(name, check):
    reason = KNOWN.get((name, check))
    return pytest.param(name, id=name,
                        marks=[pytest.mark.xfail(reason=reason, strict=True)] if reason else [])


def compile_one(name, out_dir):
    artifact = os.path.join(out_dir, name + ".kiln")
    r = subprocess.run([tool("kiln-compile"), os.path.join(ZOO, MODELS[name]["file"]),
                        "--target=cuda", "--gpu-arch=sm_80,sm_90", "--kernel-report",
                        "-o", artifact], capture_output=True, text=True, timeout=900)
    if r.returncode:
        return name, None, r.stdout, "compile: exit %d: %s" % (r.returncode, first_error(r.stderr))
    return name, artifact, r.stdout, ""


@pytest.fixture(scope="module")
def compiled():
    with tempfile.TemporaryDirectory() as tmp:
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
            results = list(pool.map(lambda n: compile_one(n, tmp), sorted(MODELS)))
        yield {name: (artifact, report, error) for name, artifact, report, error in results}


def artifact_of(compiled, name):
    artifact, _, error = compiled[name]
    if artifact is None:
        pytest.fail(error)
    return artifact


@pytest.mark.parametrize("name", [case(n, "compiles") for n in sorted(MODELS)])
def test_compiles_without_spills(compiled, name):
    artifact_of(compiled, name)
    report = compiled[name][1]
    rows = re.findall(r"^(kiln_kernel_\d+)\s+(sm_\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s", report,
                      re.M)
    assert rows, report
    assert {arch for _, arch, *_ in rows} == {"sm_80", "sm_90"}
    spills = [(kernel, arch) for kernel, arch, _, _, _, spill in rows if int(spill)]
    assert not spills, "kernels with register spills: %s" % spills


def check_shape(compiled, name, shape):
    model = MODELS[name]
    artifact = artifact_of(compiled, name)
    refs = np.load(os.path.join(ZOO, model["reference"]))
    inputs = {i["name"]: refs["shape%d/%s" % (shape, i["name"])] for i in model["inputs"]}
    (got,), _ = run_artifact(artifact, inputs, [model["outputs"][0]["name"]],
                             extra=["--device=cuda-emulator"])
    want = refs["shape%d/output" % shape]
    assert got.shape == want.shape
    err = float(np.max(np.abs(got.astype(np.float64) - want)) / np.max(np.abs(want)))
    assert err <= model["tolerance"], "max rel err %.3g > %g" % (err, model["tolerance"])


@pytest.mark.parametrize("name", [case(n, "shape0") for n in sorted(MODELS)])
def test_emulated_matches_torch_shape0(compiled, name):
    check_shape(compiled, name, 0)


@pytest.mark.parametrize("name", [case(n, "shape1") for n in sorted(MODELS)])
def test_emulated_matches_torch_shape1(compiled, name):
    check_shape(compiled, name, 1)
