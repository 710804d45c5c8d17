"""`kiln-compile --precision=fp16|bf16` (kiln-reduce-precision) on the zoo's fp32 models from
torch's dynamo exporter (opset 23), one per architecture: compiled for the CPU target, run at
the first stored shape and compared with the fp32 torch model as in test_zoo.py
(max|kiln - torch| / max|torch|). Contraction operands are rounded to the low type and
accumulate in f32, so the error is that of the operands' rounding: it must stay within
TOLERANCE, and it must be larger than the fp32 model's own tolerance for at least one model
(the mode changed something). The fusion report must count no f32 contraction operands left.
A few models also run on the emulated CUDA device at both precisions and at tf32, their
MatMuls on the tensor-core kernel (the kernel report must name mma.sync with the precision's
operand type) and, at fp16 and bf16, their attention on the flash-attention kernel on mma.sync
(at tf32 attention stays on the f32 FMA kernel and the contractions keep f32 operands).
"""
import concurrent.futures
import os
import re
import tempfile

import numpy as np
import pytest

from test_zoo import MODELS, ZOO, compile_one, run_artifact

# Measured 2026-12-04: fp16 at most 1.2e-3 (llama_gqa), bf16 at most 1.15e-2 (gemma2_softcap).
TOLERANCE = {"fp16": 5e-3, "bf16": 2e-2}
# tf32 (emulated device only: the CPU target computes fp32): a 10-bit mantissa, as fp16.
CUDA_TOLERANCE = dict(TOLERANCE, tf32=5e-3)
MMA_OPERAND = {"fp16": "m16n8k16 f16", "bf16": "m16n8k16 bf16", "tf32": "m16n8k8 tf32"}
FP32_MODELS = sorted(n for n in MODELS if n.endswith(".dynamo23.fp32"))
CUDA_MODELS = ["bert.dynamo23.fp32", "llama_gqa.dynamo23.fp32"]


@pytest.fixture(scope="module")
def compiled():
    """{(name, precision, target): (artifact or None, fusion report, error)}."""
    jobs = [(n, p, "cpu") for n in FP32_MODELS for p in TOLERANCE]
    jobs += [(n, p, "cuda") for n in CUDA_MODELS for p in CUDA_TOLERANCE]
    with tempfile.TemporaryDirectory() as tmp:
        def one(job):
            name, precision, target = job
            out = os.path.join(tmp, "%s-%s" % (precision, target))
            os.makedirs(out, exist_ok=True)
            flags = ["--precision=" + precision, "--target=" + target, "--fusion-report"]
            if target == "cuda":
                flags += ["--gpu-arch=sm_80", "--kernel-report"]
            return job, compile_one(name, out, flags)[1:]
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
            yield dict(pool.map(one, jobs))


def error_of(compiled, name, precision, target):
    artifact, report, error = compiled[(name, precision, target)]
    if artifact is None:
        pytest.fail(error)
    operands = re.search(r"contraction operands:(.*)", report)
    assert operands and (precision == "tf32") == (" f32 " in operands.group(1) + " "), report
    model = MODELS[name]
    refs = np.load(os.path.join(ZOO, model["reference"]))
    inputs = {i["name"]: refs["shape0/%s" % i["name"]] for i in model["inputs"]}
    extra = ["--device=cuda-emulator"] if target == "cuda" else []
    (got,), _ = run_artifact(artifact, inputs, [model["outputs"][0]["name"]], extra=extra)
    want = refs["shape0/output"]
    assert got.shape == want.shape and got.dtype == want.dtype
    return float(np.max(np.abs(got.astype(np.float64) - want)) / np.max(np.abs(want)))


ERRORS = {}


@pytest.mark.parametrize("precision", sorted(TOLERANCE))
@pytest.mark.parametrize("name", FP32_MODELS)
def test_reduced_precision_matches_torch(compiled, name, precision):
    err = error_of(compiled, name, precision, "cpu")
    ERRORS[(name, precision)] = err
    print("%s %s max rel err %.3g" % (name, precision, err))
    assert err <= TOLERANCE[precision], "max rel err %.3g > %g" % (err, TOLERANCE[precision])


@pytest.mark.parametrize("precision", sorted(TOLERANCE))
def test_reduced_precision_changes_numerics(precision):
    errors = [e for (n, p), e in ERRORS.items() if p == precision]
    if not errors:
        pytest.skip("the per-model tests did not run")
    assert max(errors) > max(MODELS[n]["tolerance"] for n in FP32_MODELS), errors


@pytest.mark.parametrize("precision", sorted(CUDA_TOLERANCE))
@pytest.mark.parametrize("name", CUDA_MODELS)
def test_reduced_precision_on_emulated_cuda(compiled, name, precision):
    report = compiled[(name, precision, "cuda")][1]
    operand = MMA_OPERAND[precision]
    matmuls = [line for line in report.splitlines() if "(MatMul)" in line]
    assert matmuls and all("mma.sync %s" % operand in line for line in matmuls), report
    attention = [line for line in report.splitlines() if "flash attention" in line]
    kernel = "mma.sync m16n8k16" if precision != "tf32" else "f32 FMA"
    assert attention and all(kernel in line for line in attention), report
    err = error_of(compiled, name, precision, "cuda")
    print("%s %s cuda-emulator max rel err %.3g" % (name, precision, err))
    limit = CUDA_TOLERANCE[precision]
    assert err <= limit, "max rel err %.3g > %g" % (err, limit)
