"""ONNX Runtime's attention contrib ops (com.microsoft MultiHeadAttention, Attention and
GroupQueryAttention) compiled by Kiln against onnxruntime: biases, key padding masks (with the
-10000 filter value), attention_bias, unidirectional, unequal q/k/v hidden sizes, grouped KV
heads on a right-padded prompt. Each case is a one-node
model built here; the fusion report must show the op raised to tfm.attention."""

import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from kiln_testing import onnxruntime_relative_error, tool


MAX_REL_ERROR = 1e-5
B, S, L, N, HEAD = 2, 5, 5, 4, 8
D = N * HEAD
F, I32 = TensorProto.FLOAT, TensorProto.INT32


def mha_case(bias, padding, attention_bias, unidirectional):
    inputs = [("query", F, [B, S, D]), ("key", F, [B, L, D]), ("value", F, [B, L, D]),
              ("bias", F, [3 * D]) if bias else None,
              ("key_padding_mask", I32, [B, L]) if padding else None,
              ("attention_bias", F, [1, N, S, L]) if attention_bias else None]
    attrs = {"num_heads": N, "unidirectional": unidirectional}
    return "MultiHeadAttention", inputs, attrs, [B, S, D]


def packed_case(hidden_sizes, mask, unidirectional):
    total = sum(hidden_sizes) if hidden_sizes else 3 * D
    inputs = [("input", F, [B, S, D]), ("weights", F, [D, total]), ("bias", F, [total]),
              ("mask_index", I32, [B, S]) if mask else None]
    attrs = {"num_heads": N, "unidirectional": unidirectional}
    if hidden_sizes:
        attrs["qkv_hidden_sizes"] = hidden_sizes
    out = hidden_sizes[2] if hidden_sizes else D
    return "Attention", inputs, attrs, [B, S, out]


def gqa_case():
    inputs = [("query", F, [B, S, N * HEAD]), ("key", F, [B, S, 2 * HEAD]),
              ("value", F, [B, S, 2 * HEAD]), None, None, ("seqlens_k", I32, [B]),
              ("total_sequence_length", I32, [])]
    return "GroupQueryAttention", inputs, {"num_heads": N, "kv_num_heads": 2}, [B, S, D]


CASES = {
    "gqa-prompt-right-padded": gqa_case(),
    "mha-plain": mha_case(False, False, False, 0),
    "mha-bias-padding-attention-bias": mha_case(True, True, True, 0),
    "mha-unidirectional-padding": mha_case(False, True, False, 1),
    "attention-packed-mask": packed_case(None, True, 0),
    "attention-unidirectional": packed_case(None, False, 1),
    "attention-value-hidden-size": packed_case([D, D, 16], True, 0),
}


def build(path, op_type, inputs, attrs, out_shape):
    names = [i[0] if i else "" for i in inputs]
    while names and not names[-1]:
        names.pop()
    node = helper.make_node(op_type, names, ["y"], domain="com.microsoft", **attrs)
    graph = helper.make_graph(
        [node], "contrib",
        [helper.make_tensor_value_info(n, t, s) for n, t, s in filter(None, inputs)],
        [helper.make_tensor_value_info("y", F, out_shape)])
    model = helper.make_model(graph, ir_version=10, opset_imports=[
        helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
    onnx.save(model, path)


def feeds_for(inputs, rng):
    feeds = {}
    for name, dtype, shape in filter(None, inputs):
        if name == "seqlens_k":  # lengths - 1; the second sequence has 2 padded positions
            feeds[name] = np.array([S - 1, S - 3], np.int32)
        elif name == "total_sequence_length":
            feeds[name] = np.array(S, np.int32)
        elif dtype == I32:  # 1 = attend; pad the tail of the second sequence
            mask = np.ones(shape, np.int32)
            mask[1, -2:] = 0
            feeds[name] = mask
        else:
            feeds[name] = (rng.standard_normal(shape) * 0.5).astype(np.float32)
    return feeds


@pytest.mark.parametrize("case", sorted(CASES))
def test_contrib_attention_matches_onnxruntime(case, tmp_path):
    op_type, inputs, attrs, out_shape = CASES[case]
    path = str(tmp_path / "contrib.onnx")
    build(path, op_type, inputs, attrs, out_shape)
    report = subprocess.run([tool("kiln-compile"), path, "--fusion-report"], check=True,
                            capture_output=True, text=True).stdout
    assert "tfm.attention: 1" in report and "unfused anchors: 0" in report, report

    feeds = feeds_for(inputs, np.random.default_rng(len(case)))
    error = onnxruntime_relative_error(path, feeds, tmp_path)
    assert error <= MAX_REL_ERROR, "max relative error %g" % error
