"""The CUDA target's own kernels on the emulated device against the CPU target, variant by
variant. The attention kernel (docs/design/flash-attention.md): the ONNX Attention op (opset 23) in the forms that
raise to tfm.attention, at shapes that exercise the kernel's edges (several query tiles and key
tiles with partial last tiles, head dims that its threads per row do not divide, Dv != D,
grouped-query heads, boolean and additive masks broadcast over batch, heads or queries, rows
whose keys are all masked, causal attention, f16). Each artifact must contain the kernel (the
claimed kiln.attention at --emit=linalg); the CPU target's outputs are checked against ONNX's
reference implementation where no row is fully masked (the reference gives NaN there, tfm
gives zeros). The norm kernel (kiln-cuda-norm-kernels): layer norms over the last dim and over
the last two, rows longer than a block's threads, f16, RMS norm as LLaMA spells it. The
contraction kernel (kiln-cuda-tile-contractions): each tile size it picks (4x4, 2x2 and 1x1
outputs per thread), partial edge tiles, batched and broadcast operands, a transposed operand,
Gemm's transposed operand, the fill and the epilogue (bias, GELU, residual add, the copy into
the output) fused or, with two readers, not; the kernel report must name the tiling. The
tensor-core kernel (kiln-cuda-mma-contractions): f16 models, and fp32 models compiled with
--precision=fp16|bf16, against ONNX's reference (fp16 <= 5e-3, bf16 <= 1e-2): partial tiles,
a k tail, batches, broadcast operands, the fill and epilogue fused or not. The zoo's
models (test_cuda_emulator.py) cover the rest: sliding windows, ALiBi, masked_fill, softcap,
the layouts exporters produce, every norm they contain.
"""
import os
import subprocess
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

from kiln_testing import ROOT

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from kiln_artifact import compile_model, run_artifact, tool  # noqa: E402

MAX_REL_ERROR = 1e-4
F, H, BOOL = TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.BOOL

# name: (batch, q heads, kv heads, Sq, Skv, D, Dv, mask (None, "bool", "float"), mask shape
#        (dims of [B, Hq, Sq, Skv] kept; others 1), causal, element type, fully masked rows)
CASES = {
    "d64-gqa-bool-padding": (2, 4, 2, 70, 70, 64, 64, "bool", "b.qk", False, F, True),
    "d64-causal": (1, 2, 2, 67, 67, 64, 64, None, None, True, F, False),
    "d80-cross-float-mask": (2, 2, 1, 9, 41, 80, 80, "float", "bhqk", False, F, False),
    "d17-dv24-float-padding": (2, 3, 3, 33, 65, 17, 24, "float", "b..k", False, F, False),
    "d128-causal-mqa-float": (1, 4, 1, 40, 40, 128, 128, "float", "..qk", True, F, False),
    "d8-bool-fully-masked-rows": (2, 2, 2, 300, 300, 8, 8, "bool", ".hqk", False, F, True),
    "d64-f16-causal-gqa": (2, 4, 2, 35, 35, 64, 64, None, None, True, H, False),
}


def build_attention(path, case):
    b, hq, hkv, sq, sk, d, dv, mask, mask_dims, causal, dtype, _ = case
    inputs = [("q", dtype, (b, hq, sq, d)), ("k", dtype, (b, hkv, sk, d)),
              ("v", dtype, (b, hkv, sk, dv))]
    if mask:
        full = (b, hq, sq, sk)
        shape = tuple(n if c != "." else 1 for n, c in zip(full, mask_dims))
        inputs.append(("mask", BOOL if mask == "bool" else dtype, shape))
    node = helper.make_node("Attention", [n for n, _, _ in inputs], ["y"],
                            **({"is_causal": 1} if causal else {}))
    graph = helper.make_graph(
        [node], "attention",
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info("y", dtype, None)])
    onnx.save(helper.make_model(graph, ir_version=10,
                                opset_imports=[helper.make_opsetid("", 23)]), path)
    return inputs


def feeds_for(inputs, fully_masked, rng):
    feeds = {}
    for name, dtype, shape in inputs:
        if dtype == BOOL:
            keep = rng.random(shape) < 0.6
            keep[..., 0] = True
            if fully_masked:  # some query rows (or whole batches) see no key at all
                keep[-1, ..., 1::3, :] = False
            feeds[name] = keep
        else:
            x = rng.standard_normal(shape)
            if name == "mask":
                x = np.where(rng.random(shape) < 0.2, -np.inf, x)
                x[..., 0] = 0.0
            feeds[name] = x.astype(np.float16 if dtype == H else np.float32)
    return feeds


def cpu_and_emulated(path, feeds, claimed, tolerance):
    """Compiles `path` for the CPU and for CUDA (whose linalg stage must hold `claimed`, the
    kernel's op, when given), runs both (CUDA on the emulated device), checks that they agree
    within `tolerance` (relative to the largest output) and returns both outputs."""
    if claimed:
        linalg = subprocess.run([tool("kiln-compile"), path, "--target=cuda", "--emit=linalg",
                                 "-o", "-"], capture_output=True, text=True, check=True).stdout
        assert claimed in linalg and claimed.replace("kiln.", "tfm.") not in linalg, \
            "not claimed for the CUDA kernel: " + claimed
    compile_model(path, path + ".cpu.kiln")
    compile_model(path, path + ".cuda.kiln", ["--target=cuda", "--gpu-arch=sm_80"])
    cpu, _ = run_artifact(path + ".cpu.kiln", feeds, ["y"], threads=2)
    emu, _ = run_artifact(path + ".cuda.kiln", feeds, ["y"], extra=["--device=cuda-emulator"])
    cpu, emu = cpu[0].astype(np.float64), emu[0].astype(np.float64)
    assert emu.shape == cpu.shape
    assert np.isfinite(emu).all()
    error = float(np.abs(emu - cpu).max() / np.abs(cpu).max())
    assert error <= tolerance, "emulated CUDA vs CPU: max relative error %g" % error
    return cpu, emu


@pytest.mark.parametrize("name", sorted(CASES))
def test_attention_kernel_matches_cpu(name, tmp_path):
    case = CASES[name]
    path = str(tmp_path / "attention.onnx")
    inputs = build_attention(path, case)
    feeds = feeds_for(inputs, case[-1], np.random.default_rng(len(name)))
    tolerance = 2e-3 if case[10] == H else MAX_REL_ERROR
    cpu, emu = cpu_and_emulated(path, feeds, "kiln.attention", tolerance)
    if case[-1]:
        # tfm.attention: a query row whose keys are all masked gives zeros.
        hidden = ~np.broadcast_to(feeds["mask"], (case[0], case[1], case[3], case[4])).any(-1)
        assert hidden.any() and not np.abs(emu[hidden]).any()
    else:
        expected = ReferenceEvaluator(path).run(None, feeds)[0].astype(np.float64)
        error = float(np.abs(cpu - expected).max() / np.abs(expected).max())
        assert error <= tolerance, "CPU vs onnx.reference: max relative error %g" % error


# name: (input shape, axis, bias, element type, RMS norm)
NORMS = {
    "layer-last-dim-bias": ((3, 5, 64), -1, True, F, False),
    "layer-last-two-dims": ((4, 6, 40), -2, True, F, False),
    "layer-long-rows-no-bias": ((2, 3, 1000), -1, False, F, False),
    "layer-f16": ((2, 7, 96), -1, True, H, False),
    "rms-llama-form": ((2, 9, 300), -1, False, F, True),
}


def build_norm(path, case):
    shape, axis, bias, dtype, rms = case
    width = list(shape[axis:])
    rng = np.random.default_rng(len(shape) - axis)
    np_type = np.float16 if dtype == H else np.float32
    scale = helper.make_tensor("scale", dtype, width,
                               (rng.random(width) + 0.5).astype(np_type).flatten().tolist())
    inits = [scale]
    if rms:  # x * 1 / sqrt(mean(x^2) + eps) * scale, as LLaMA's RMSNorm is exported
        nodes = [helper.make_node("Mul", ["x", "x"], ["sq"]),
                 helper.make_node("ReduceMean", ["sq", "axes"], ["ms"], keepdims=1),
                 helper.make_node("Add", ["ms", "eps"], ["mse"]),
                 helper.make_node("Sqrt", ["mse"], ["rt"]),
                 helper.make_node("Reciprocal", ["rt"], ["inv"]),
                 helper.make_node("Mul", ["x", "inv"], ["n"]),
                 helper.make_node("Mul", ["n", "scale"], ["y"])]
        inits += [helper.make_tensor("axes", TensorProto.INT64, [1], [-1]),
                  helper.make_tensor("eps", dtype, [], [1e-6])]
    else:
        names = ["x", "scale"]
        if bias:
            inits.append(helper.make_tensor(
                "bias", dtype, width, rng.standard_normal(width).astype(np_type).flatten().tolist()))
            names.append("bias")
        nodes = [helper.make_node("LayerNormalization", names, ["y"], axis=axis, epsilon=1e-5)]
    graph = helper.make_graph(nodes, "norm", [helper.make_tensor_value_info("x", dtype, shape)],
                              [helper.make_tensor_value_info("y", dtype, None)], inits)
    onnx.save(helper.make_model(graph, ir_version=10,
                                opset_imports=[helper.make_opsetid("", 18)]), path)


@pytest.mark.parametrize("name", sorted(NORMS))
def test_norm_kernel_matches_cpu(name, tmp_path):
    case = NORMS[name]
    path = str(tmp_path / "norm.onnx")
    build_norm(path, case)
    rng = np.random.default_rng(len(name))
    x = (rng.standard_normal(case[0]) * 3 + 1).astype(np.float16 if case[3] == H else np.float32)
    tolerance = 2e-3 if case[3] == H else 1e-5
    cpu, _ = cpu_and_emulated(path, {"x": x}, "kiln.rms_norm" if case[4] else "kiln.layer_norm",
                              tolerance)
    expected = ReferenceEvaluator(path).run(None, {"x": x})[0].astype(np.float64)
    error = float(np.abs(cpu - expected).max() / np.abs(expected).max())
    assert error <= tolerance, "CPU vs onnx.reference: max relative error %g" % error


# name: (a shape with "s" for a dynamic dim, b shape, transposed b, bias, then (GELU, a
#        residual addend, or a second reader), element type, the tiling the kernel report names)
CONTRACTIONS = {
    "dynamic-bias-gelu-4x4": ((2, "s", 96), (96, 200), False, True, "gelu", F,
                              "[64x64x16 tile, 4x4 per thread, f32 FMA, fill, epilogue]"),
    "static-small-1x1": ((5, 24), (24, 20), False, False, None, F,
                         "[16x16x16 tile, 1x1 per thread, f32 FMA, fill, epilogue]"),
    "static-2x2-partial-tiles": ((300, 40), (40, 500), False, True, None, F,
                                 "[32x32x16 tile, 2x2 per thread, f32 FMA, fill, epilogue]"),
    "batched-broadcast-residual": ((2, 3, "s", 40), (3, 40, 50), False, False, "residual", F,
                                   "[64x64x16 tile, 4x4 per thread, f32 FMA, fill, epilogue]"),
    "gemm-transposed-b": (("s", 33), (70, 33), True, True, None, F,
                          "[64x64x16 tile, 4x4 per thread, f32 FMA, fill, epilogue]"),
    "two-readers": ((2, "s", 33), (33, 70), False, False, "two readers", F,
                    "[64x64x16 tile, 4x4 per thread, f32 FMA, fill]"),
    # f16 models accumulate MatMuls in f32: the tensor-core kernel.
    "f16-bias": ((3, "s", 64), (64, 72), False, True, None, H,
                 "[64x64x32 tile, mma.sync m16n8k16 f16 (f32 accumulate), 2x2 warps, fill, "
                 "epilogue]"),
}
NUMPY_TYPES = {F: np.float32, H: np.float16}


def build_contraction(path, case, rng):
    a_shape, b_shape, transposed, bias, after, dtype, _ = case
    np_type = NUMPY_TYPES[dtype]
    n = b_shape[-2] if transposed else b_shape[-1]
    weight = rng.standard_normal(b_shape)
    inits = [helper.make_tensor("w", dtype, b_shape, weight.astype(np_type).flatten().tolist())]
    nodes, product = [], "mm"
    if transposed:  # Gemm with transB, as exporters write nn.Linear
        nodes.append(helper.make_node("Gemm", ["x", "w"], ["mm"], transB=1))
    else:
        nodes.append(helper.make_node("MatMul", ["x", "w"], ["mm"]))
    if bias:
        inits.append(helper.make_tensor("bias", dtype, [n],
                                        rng.standard_normal(n).astype(np_type).tolist()))
        nodes.append(helper.make_node("Add", ["mm", "bias"], ["biased"]))
        product = "biased"
    inputs = [helper.make_tensor_value_info("x", dtype, a_shape)]
    if after == "gelu":
        nodes.append(helper.make_node("Gelu", [product], ["y"]))
    elif after == "residual":
        inputs.append(helper.make_tensor_value_info("r", dtype, a_shape[:-1] + (n,)))
        nodes.append(helper.make_node("Add", [product, "r"], ["y"]))
    elif after == "two readers":  # a reduction and an add read the product: no epilogue
        inits.append(helper.make_tensor("axes", TensorProto.INT64, [1], [-1]))
        nodes += [helper.make_node("ReduceSum", [product, "axes"], ["sum"], keepdims=1),
                  helper.make_node("Add", [product, "sum"], ["y"])]
    else:
        nodes.append(helper.make_node("Identity", [product], ["y"]))
    graph = helper.make_graph(nodes, "contraction", inputs,
                              [helper.make_tensor_value_info("y", dtype, None)], inits)
    onnx.save(helper.make_model(graph, ir_version=10,
                                opset_imports=[helper.make_opsetid("", 20)]), path)
    return n


@pytest.mark.parametrize("name", sorted(CONTRACTIONS))
def test_contraction_kernel_matches_cpu(name, tmp_path):
    case = CONTRACTIONS[name]
    rng = np.random.default_rng(len(name))
    path = str(tmp_path / "contraction.onnx")
    n = build_contraction(path, case, rng)
    dims = tuple(37 if d == "s" else d for d in case[0])
    np_type = NUMPY_TYPES[case[5]]
    feeds = {"x": rng.standard_normal(dims).astype(np_type)}
    if case[4] == "residual":
        feeds["r"] = rng.standard_normal(dims[:-1] + (n,)).astype(np_type)
    report = subprocess.run([tool("kiln-compile"), path, "--target=cuda", "--gpu-arch=sm_80",
                             "--kernel-report", "-o", str(tmp_path / "report.kiln")],
                            capture_output=True, text=True, check=True).stdout
    matmuls = [line for line in report.splitlines() if "(MatMul)" in line or "(Gemm)" in line]
    assert matmuls and all(line.endswith(case[6]) for line in matmuls), report
    assert all(line.split()[5] == "0" for line in matmuls), "spills: " + report
    tolerance = 2e-3 if case[5] == H else MAX_REL_ERROR
    cpu, _ = cpu_and_emulated(path, feeds, None, tolerance)
    expected = ReferenceEvaluator(path).run(None, feeds)[0].astype(np.float64)
    error = float(np.abs(cpu - expected).max() / np.abs(expected).max())
    assert error <= max(tolerance, 1e-5), "CPU vs onnx.reference: max relative error %g" % error


# The tensor-core contraction kernel (kiln-cuda-mma-contractions, docs/design/tensor-cores.md):
# fp32 models compiled with --precision=fp16|bf16 give MatMuls f16/bf16 operands and f32
# accumulation, which the kernel runs on mma.sync. name: (a shape, b shape, bias, then (GELU,
# a residual addend, or a second reader), precision).
MMA_CONTRACTIONS = {
    "fp16-dynamic-bias-gelu": ((2, "s", 96), (96, 200), True, "gelu", "fp16"),
    "bf16-static-partial-tiles": ((130, 40), (40, 70), True, None, "bf16"),
    "fp16-batched-broadcast-residual": ((2, 3, "s", 40), (3, 40, 50), False, "residual", "fp16"),
    "bf16-two-readers": ((2, "s", 33), (33, 70), False, "two readers", "bf16"),
    "fp16-k-tail": ((19, 300), (300, 24), False, None, "fp16"),
    # --precision=tf32: f32 operands on mma.sync m16n8k8 (10-bit mantissas, f32 sums).
    "tf32-dynamic-bias-gelu": ((2, "s", 96), (96, 200), True, "gelu", "tf32"),
    "tf32-batched-broadcast-residual-k-tail": ((2, 3, "s", 41), (3, 41, 50), False, "residual",
                                               "tf32"),
}
# Relative to the largest output, against ONNX's reference implementation in fp32 (issue #13;
# tf32 has fp16's 10-bit mantissa and f32's range).
MMA_BOUNDS = {"fp16": 5e-3, "bf16": 1e-2, "tf32": 5e-3}
MMA_OPERAND = {"fp16": "m16n8k16 f16", "bf16": "m16n8k16 bf16", "tf32": "m16n8k8 tf32"}


def compile_mma(path, artifact, precision, origin, kind):
    """Compiles `path` for sm_80 and sm_90 at `precision`; every kernel of an `origin` node
    must run `kind` on the tensor cores (mma.sync at the precision's operand type) without
    spills."""
    report = subprocess.run([tool("kiln-compile"), path, "--target=cuda",
                             "--gpu-arch=sm_80,sm_90", "--precision=" + precision,
                             "--kernel-report", "-o", artifact],
                            capture_output=True, text=True, check=True).stdout
    lines = [line for line in report.splitlines() if origin in line]
    assert lines and all("%smma.sync %s (f32 accumulate)" % (kind, MMA_OPERAND[precision])
                         in line for line in lines), report
    assert all(line.split()[5] == "0" for line in lines), "spills: " + report


@pytest.mark.parametrize("name", sorted(MMA_CONTRACTIONS))
def test_mma_contraction_matches_reference(name, tmp_path):
    a_shape, b_shape, bias, after, precision = MMA_CONTRACTIONS[name]
    rng = np.random.default_rng(len(name))
    path = str(tmp_path / "contraction.onnx")
    n = build_contraction(path, (a_shape, b_shape, False, bias, after, F, None), rng)
    dims = tuple(37 if d == "s" else d for d in a_shape)
    feeds = {"x": rng.standard_normal(dims).astype(np.float32)}
    if after == "residual":
        feeds["r"] = rng.standard_normal(dims[:-1] + (n,)).astype(np.float32)
    artifact = str(tmp_path / "mma.kiln")
    compile_mma(path, artifact, precision, "(MatMul)", "")
    emulated, _ = run_artifact(artifact, feeds, ["y"], extra=["--device=cuda-emulator"])
    expected = ReferenceEvaluator(path).run(None, feeds)[0].astype(np.float64)
    got = emulated[0].astype(np.float64)
    assert got.shape == expected.shape and np.isfinite(got).all()
    error = float(np.abs(got - expected).max() / np.abs(expected).max())
    print("%s: %s mma.sync vs reference: %.3g" % (name, precision, error))
    assert error <= MMA_BOUNDS[precision], "%s mma.sync vs reference: %g" % (precision, error)


# The tensor-core attention kernel (kiln-cuda-mma-attention): fp32 Attention ops compiled with
# --precision=fp16|bf16 (f16/bf16 Q, K and V, f32 accumulation), against attention in float64
# (itself checked against ONNX's reference): several query blocks and key tiles with partial
# last ones, head dims padded to 16 (40, 24), all three plans (4 warps and 64 keys a tile at
# head dims up to 64, 4 warps and 32 keys up to 128, 2 warps and 16 keys up to 256), GQA and
# MQA, causal, boolean and additive masks broadcast, rows whose keys are all masked (zeros).
# Fields as in CASES, the element type replaced by the precision. compile_mma checks ptxas's
# report for spills on sm_80 and sm_90.
MMA_ATTENTION = {
    "fp16-d64-causal-gqa": (2, 4, 2, 130, 130, 64, 64, None, None, True, "fp16", False),
    "bf16-d128-cross-bool-padding": (2, 2, 2, 70, 100, 128, 128, "bool", "b..k", False, "bf16",
                                     False),
    "fp16-d80-float-mask": (1, 2, 1, 33, 65, 80, 80, "float", "bhqk", False, "fp16", False),
    "bf16-d40-dv24-float-mask": (2, 3, 3, 20, 47, 40, 24, "float", "..qk", False, "bf16", False),
    "fp16-d64-fully-masked-rows": (2, 2, 2, 70, 70, 64, 64, "bool", ".hqk", False, "fp16", True),
    "bf16-d128-causal-mqa": (1, 4, 1, 100, 100, 128, 128, None, None, True, "bf16", False),
    # Head dims above 128: 2 warps (32 query rows) and 16 keys a tile.
    "fp16-d256-causal-gqa": (1, 4, 2, 45, 45, 256, 256, None, None, True, "fp16", False),
    "bf16-d256-cross-float-mask": (2, 2, 1, 20, 37, 256, 256, "float", "..qk", False, "bf16",
                                   False),
    "fp16-d192-dv160-bool-padding": (1, 2, 2, 33, 40, 192, 160, "bool", "b..k", False, "fp16",
                                     False),
}


def attention_reference(feeds, case):
    """Attention in float64: softmax(Q Kᵀ / sqrt(D) + mask, causal) V, zeros for a row that
    sees no key."""
    b, hq, hkv, sq, sk = case[:5]
    q, k, v = (feeds[n].astype(np.float64) for n in "qkv")
    k, v = np.repeat(k, hq // hkv, axis=1), np.repeat(v, hq // hkv, axis=1)
    s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(q.shape[-1])
    if "mask" in feeds:
        mask = feeds["mask"]
        s = np.where(mask, s, -np.inf) if mask.dtype == bool else s + mask.astype(np.float64)
    if case[9]:
        s = np.where(np.tril(np.ones((sq, sk), dtype=bool), sk - sq), s, -np.inf)
    top = s.max(-1, keepdims=True)
    p = np.exp(s - np.where(np.isfinite(top), top, 0.0))
    total = p.sum(-1, keepdims=True)
    return np.where(total > 0, (p @ v) / np.where(total > 0, total, 1.0), 0.0)


@pytest.mark.parametrize("name", sorted(MMA_ATTENTION))
def test_mma_attention_matches_reference(name, tmp_path):
    case = MMA_ATTENTION[name]
    precision = case[10]
    path = str(tmp_path / "attention.onnx")
    inputs = build_attention(path, case[:10] + (F,) + case[11:])
    feeds = feeds_for(inputs, case[-1], np.random.default_rng(len(name)))
    expected = attention_reference(feeds, case)
    if not case[-1]:
        onnx_reference = ReferenceEvaluator(path).run(None, feeds)[0].astype(np.float64)
        assert np.abs(onnx_reference - expected).max() <= 1e-5 * np.abs(expected).max()
    artifact = str(tmp_path / "mma.kiln")
    compile_mma(path, artifact, precision, "(Attention)", "flash attention, ")
    emulated, _ = run_artifact(artifact, feeds, ["y"], extra=["--device=cuda-emulator"])
    got = emulated[0].astype(np.float64)
    assert got.shape == expected.shape and np.isfinite(got).all()
    if case[-1]:
        assert not np.abs(got[expected == 0]).any()
    error = float(np.abs(got - expected).max() / np.abs(expected).max())
    print("%s: %s flash attention on mma.sync vs float64: %.3g" % (name, precision, error))
    assert error <= MMA_BOUNDS[precision], "%s attention vs float64: %g" % (precision, error)
