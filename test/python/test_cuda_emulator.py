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
import re

import pytest

from test_zoo import MODELS, artifact_of, case, check_shape, compile_zoo, expected_failures

KNOWN = expected_failures("cuda_expected_failures.txt", ["compiles", "shape0", "shape1"])


@pytest.fixture(scope="module")
def compiled():
    """{name: (artifact or None, kernel report, error)}."""
    yield from compile_zoo(["--target=cuda", "--gpu-arch=sm_80,sm_90", "--kernel-report"])


@pytest.mark.parametrize("name", [case(KNOWN, n, "compiles") for n in sorted(MODELS)])
def test_compiles_without_spills(compiled, name):
    artifact_of(compiled, name)
    report = compiled[name][1]
    rows = re.findall(r"^(kiln_kernel_\d+)\s+(sm_\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s", report,
                      re.M)
    assert rows, report
    assert {arch for _, arch, *_ in rows} == {"sm_80", "sm_90"}
    # Every kernel has ptxas's figures (a kernel the report cannot read would show 0 spills).
    assert all(int(regs) > 0 for _, _, regs, *_ in rows), report
    spills = [(kernel, arch) for kernel, arch, _, _, _, spill in rows if int(spill)]
    assert not spills, "kernels with register spills: %s" % spills


@pytest.mark.parametrize("name", [case(KNOWN, n, "shape0") for n in sorted(MODELS)])
def test_emulated_matches_torch_shape0(compiled, name):
    check_shape(compiled, name, 0, ["--device=cuda-emulator"])


@pytest.mark.parametrize("name", [case(KNOWN, n, "shape1") for n in sorted(MODELS)])
def test_emulated_matches_torch_shape1(compiled, name):
    check_shape(compiled, name, 1, ["--device=cuda-emulator"])
