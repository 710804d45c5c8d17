"""The ONNX Attention op (opset 23) at dynamic shapes, compiled by Kiln against ONNX's reference
implementation (onnx.reference, which the node tests' outputs come from; onnxruntime 1.32
rejects masks shorter than the keys and computes qk_matmul_output differently):
the forms tfm.attention states (raised) and the ones kiln-expand-onnx-attention restates as
standard ops (a KV cache with present outputs, qk_matmul_output, softcap after the mask,
top-left causal alignment, a boolean mask of run-time length). Inputs have symbolic dims, so
every length is only known at run time; the node tests (test/conformance) cover static ones."""

import os
import sys

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

from kiln_testing import ROOT

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from kiln_artifact import compile_model, run_artifact  # noqa: E402


MAX_REL_ERROR = 1e-5
F, BOOL = TensorProto.FLOAT, TensorProto.BOOL
HQ, HKV, D = 4, 2, 8


def inputs_of(mask, past):
    q = ("q", F, ["b", HQ, "s", D], (2, HQ, 3, D))
    k = ("k", F, ["b", HKV, "s", D], (2, HKV, 3, D))
    v = ("v", F, ["b", HKV, "s", D], (2, HKV, 3, D))
    total = 3 + (5 if past else 0)
    m = {None: None,
         "bool": ("mask", BOOL, ["s", "t"], (3, total)),
         "float": ("mask", F, ["b", 1, "s", "t"], (2, 1, 3, total)),
         "short-bool": ("mask", BOOL, ["s", "t"], (3, total - 2))}[mask]
    pk = ("past_k", F, ["b", HKV, "p", D], (2, HKV, 5, D)) if past else None
    pv = ("past_v", F, ["b", HKV, "p", D], (2, HKV, 5, D)) if past else None
    return [q, k, v, m, pk, pv]


CASES = {
    # name: (mask, past, attributes, outputs used)
    "gqa-bool-mask": ("bool", False, {}, ["y"]),
    "causal-top-left-kv-cache": (None, True, {"is_causal": 1}, ["y", "present_k", "present_v"]),
    "float-mask-kv-cache-qk-bias": ("float", True, {"qk_matmul_output_mode": 1},
                                    ["y", "present_k", "present_v", "qk"]),
    "softcap-after-mask": ("float", False, {"softcap": 1.5}, ["y"]),
    "short-bool-mask": ("short-bool", False, {}, ["y"]),
}


def build(path, inputs, attrs, used):
    names = [i[0] if i else "" for i in inputs]
    outs = {"y": "y", "present_k": "present_k", "present_v": "present_v", "qk": "qk"}
    out_names = [outs[o] if o in used else "" for o in ["y", "present_k", "present_v", "qk"]]
    while not out_names[-1]:
        out_names.pop()
    node = helper.make_node("Attention", names, out_names, **attrs)
    graph = helper.make_graph(
        [node], "attention",
        [helper.make_tensor_value_info(n, t, s) for n, t, s, _ in filter(None, inputs)],
        [helper.make_tensor_value_info(n, F, None) for n in out_names if n])
    model = helper.make_model(graph, ir_version=10, opset_imports=[helper.make_opsetid("", 23)])
    onnx.save(model, path)


def feeds_for(inputs, rng):
    feeds = {}
    for name, dtype, _, shape in filter(None, inputs):
        if dtype == BOOL:
            keep = rng.random(shape) < 0.7
            keep[..., 0] = True  # no fully masked row
            feeds[name] = keep
        else:
            feeds[name] = (rng.standard_normal(shape) * 0.5).astype(np.float32)
    return feeds


@pytest.mark.parametrize("case", sorted(CASES))
def test_onnx_attention_matches_onnxruntime(case, tmp_path):
    mask, past, attrs, used = CASES[case]
    inputs = inputs_of(mask, past)
    path = str(tmp_path / "attention.onnx")
    build(path, inputs, attrs, used)
    feeds = feeds_for(inputs, np.random.default_rng(len(case)))
    names = [o.name for o in onnx.load(path).graph.output]
    expected = ReferenceEvaluator(path).run(None, feeds)
    compile_model(path, path + ".kiln")
    got, _ = run_artifact(path + ".kiln", feeds, names, threads=2)
    for name, g, e in zip(names, got, expected):
        assert g.shape == e.shape, name
        error = float(np.abs(g - e).max() / np.abs(e).max())
        assert error <= MAX_REL_ERROR, "%s: max relative error %g" % (name, error)
