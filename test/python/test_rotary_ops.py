"""The RotaryEmbedding ops (ONNX opset 23, ONNX Runtime's com.microsoft) compiled by Kiln
against onnxruntime: half and interleaved rotation, partial rotary dims, 3-D and 4-D inputs,
caches indexed by position ids or given per batch. Each case is a one-node model built here."""

import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from kiln_testing import onnxruntime_relative_error, tool


MAX_REL_ERROR = 1e-5
B, S, H, D, MAX_POS = 2, 5, 4, 16, 12


def one_node_model(path, domain, inputs, attrs):
    """inputs: list of (name, dtype, shape); the output has the first input's type."""
    names = [n for n, _, _ in inputs]
    node = helper.make_node("RotaryEmbedding", names, ["y"], domain=domain, **attrs)
    x_shape = inputs[0][2]
    graph = helper.make_graph(
        [node], "rotary",
        [helper.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, x_shape)])
    opsets = [helper.make_opsetid("", 23)]
    if domain:
        opsets.append(helper.make_opsetid(domain, 1))
    model = helper.make_model(graph, opset_imports=opsets, ir_version=10)
    onnx.save(model, path)


CASES = {
    # name: (domain, rank of x, rotary dim (0: all), interleaved, with position ids)
    "onnx-4d-half": ("", 4, 0, 0, False),
    "onnx-4d-interleaved-positions": ("", 4, 0, 1, True),
    "onnx-3d-partial": ("", 3, 8, 0, True),
    "onnx-3d-interleaved-partial": ("", 3, 8, 1, False),
    "microsoft-3d-half": ("com.microsoft", 3, 0, 0, True),
    "microsoft-4d-interleaved-partial": ("com.microsoft", 4, 8, 1, True),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rotary_op_matches_onnxruntime(case, tmp_path):
    domain, rank, rotary, interleaved, with_positions = CASES[case]
    pairs = (rotary or D) // 2
    x_shape = [B, H, S, D] if rank == 4 else [B, S, H * D]
    rng = np.random.default_rng(len(case))
    feeds = {"x": rng.standard_normal(x_shape).astype(np.float32)}
    positions = rng.integers(0, MAX_POS, size=(B, S)).astype(np.int64)
    angles = rng.uniform(-3, 3, size=(MAX_POS, pairs)).astype(np.float32)
    if with_positions:
        cos, sin = np.cos(angles), np.sin(angles)
    else:  # per-batch caches, already looked up
        cos, sin = np.cos(angles[positions]), np.sin(angles[positions])
    feeds.update(cos=cos, sin=sin)
    attrs = {"interleaved": interleaved}
    if rotary:
        attrs["rotary_embedding_dim"] = rotary
    if rank == 3 or domain:  # onnxruntime's op wants num_heads with a rotary dim
        attrs["num_heads"] = H
    if domain:
        inputs = [("x", TensorProto.FLOAT, x_shape), ("pos", TensorProto.INT64, [B, S]),
                  ("cos", TensorProto.FLOAT, list(cos.shape)),
                  ("sin", TensorProto.FLOAT, list(sin.shape))]
        feeds["pos"] = positions
    else:
        inputs = [("x", TensorProto.FLOAT, x_shape), ("cos", TensorProto.FLOAT, list(cos.shape)),
                  ("sin", TensorProto.FLOAT, list(sin.shape))]
        if with_positions:
            inputs.append(("pos", TensorProto.INT64, [B, S]))
            feeds["pos"] = positions
    path = str(tmp_path / "rotary.onnx")
    one_node_model(path, domain, inputs, attrs)
    error = onnxruntime_relative_error(path, feeds, tmp_path)
    assert error <= MAX_REL_ERROR, "max relative error %g" % error


def test_spelled_out_interleaved_rotary_matches_onnxruntime(tmp_path):
    """GPT-J's rotate_every_two as torch exports it, with per-feature tables: raised to one
    interleaved tfm.rotary_embedding, equal to onnxruntime's evaluation of the graph."""
    ints = lambda name, v: helper.make_tensor(name, TensorProto.INT64, [len(v)], v)
    big = 1 << 62
    nodes = [
        helper.make_node("Mul", ["x", "cos"], ["direct"]),
        helper.make_node("Slice", ["x", "zero", "big", "last", "two"], ["even"]),
        helper.make_node("Slice", ["x", "one", "big", "last", "two"], ["odd"]),
        helper.make_node("Neg", ["odd"], ["neg_odd"]),
        helper.make_node("Unsqueeze", ["neg_odd", "last"], ["a"]),
        helper.make_node("Unsqueeze", ["even", "last"], ["b"]),
        helper.make_node("Concat", ["a", "b"], ["pairs"], axis=-1),
        helper.make_node("Reshape", ["pairs", "shape"], ["rotated"]),
        helper.make_node("Mul", ["rotated", "sin"], ["turned"]),
        helper.make_node("Add", ["direct", "turned"], ["y"]),
    ]
    inits = [ints("zero", [0]), ints("one", [1]), ints("two", [2]), ints("big", [big]),
             ints("last", [-1]), ints("shape", [0, 0, 0, D])]
    graph = helper.make_graph(
        nodes, "gptj", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [B, H, S, D]),
                        helper.make_tensor_value_info("cos", TensorProto.FLOAT, [1, 1, S, D]),
                        helper.make_tensor_value_info("sin", TensorProto.FLOAT, [1, 1, S, D])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [B, H, S, D])], inits)
    path = str(tmp_path / "gptj.onnx")
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    rng = np.random.default_rng(7)
    angles = np.repeat(rng.uniform(-3, 3, size=(1, 1, S, D // 2)), 2, axis=-1).astype(np.float32)
    feeds = {"x": rng.standard_normal((B, H, S, D)).astype(np.float32),
             "cos": np.cos(angles), "sin": np.sin(angles)}
    report = subprocess.run([tool("kiln-compile"), path, "--emit=tfm", "-o", "-"], check=True,
                            capture_output=True, text=True).stdout
    assert report.count("tfm.rotary_embedding") == 1 and "interleaved" in report, report

    error = onnxruntime_relative_error(path, feeds, tmp_path)
    assert error <= MAX_REL_ERROR, "max relative error %g" % error
