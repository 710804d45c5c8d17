"""Fusion into tfm on every committed test model.

`kiln-compile --fusion-report` must show one tfm.attention per layer, one norm op per
normalisation, one tfm.gelu per GELU and no unfused Softmax / Erf / Tanh / ReduceMean; the
fused program's outputs must equal the unfused program's (`--no-fusion`) within 1e-5
relative error on the same inputs.
"""
import os
import re
import subprocess
import sys

import numpy as np
import onnx
import pytest

from kiln_testing import ROOT
from test_cpu_numerics import make_inputs

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from kiln_artifact import compile_model, graph_io_names, run_artifact, tool  # noqa: E402

MODELS = os.path.join(ROOT, "test", "models")
MAX_REL_ERROR = 1e-5

# Two layers each (test/models/make_models.py): per layer one attention, two norms (before or
# after attention and MLP), one GELU (none in LLaMA's SiLU MLP); plus the embedding or final
# norm; one rotary per Q and K in the LLaMAs. Every projection with a bias or an activation is
# a tfm.matmul carrying them (GELUs and LLaMA's SiLU gate included, so no tfm.gelu remains):
# BERT Q, K, V, O and two FFN per layer; GPT-2 c_attn, c_proj, fc, proj; ViT qkv, proj, fc1,
# fc2 and the head; the LLaMAs' gate projection (no biases).
BERT = {"tfm.attention": 2, "tfm.layer_norm": 5, "tfm.matmul": 12, "bias": 12, "gelu": 2}
LLAMA = {"tfm.attention": 2, "tfm.rms_norm": 5, "tfm.rotary_embedding": 4, "tfm.matmul": 2,
         "silu": 2}
EXPECTED = {
    "bert_tiny": BERT,
    "bert_tiny_dynamo": BERT,
    "gpt2_tiny": {"tfm.attention": 2, "tfm.layer_norm": 5, "tfm.matmul": 8, "bias": 8,
                  "gelu_tanh": 2},
    "llama_tiny": LLAMA,
    "llama_sdpa_dynamo": LLAMA,
    "llama_opset23": LLAMA,
    "vit_tiny": {"tfm.attention": 2, "tfm.layer_norm": 5, "tfm.matmul": 9, "bias": 9,
                 "gelu": 2},
    # nn.MultiheadAttention: the packed in-projection's q, k, v, the out-projection and the
    # MLP. The dynamo export adds the in-projection bias of one of q, k, v after a reshape, so
    # it stays an Add.
    "mha_torchscript": {"tfm.attention": 1, "tfm.layer_norm": 2, "tfm.matmul": 4, "bias": 4,
                        "gelu": 1},
    "mha_dynamo": {"tfm.attention": 1, "tfm.layer_norm": 2, "tfm.matmul": 4, "bias": 3,
                   "gelu": 1},
}
SHAPES = {
    "bert_tiny": {"input_ids": (2, 9), "attention_mask": (2, 9)},
    "bert_tiny_dynamo": {"input_ids": (2, 9), "attention_mask": (2, 9)},
    "gpt2_tiny": {"input_ids": (2, 9)},
    "llama_tiny": {"input_ids": (2, 9)},
    "llama_sdpa_dynamo": {"input_ids": (2, 9)},
    "llama_opset23": {"input_ids": (2, 9)},
    "vit_tiny": {"pixel_values": (2, 3, 32, 32)},
    "mha_torchscript": {"input_ids": (2, 7)},  # its export fixed the length
    "mha_dynamo": {"input_ids": (2, 9)},
}

# The decoders' masks are causal masks spelled four ways (GPT-2's sliced bool buffer, LLaMA's
# triu(full(min), 1), the dynamo export's Trilu/Equal/Where, ONNX Attention's is_causal) and
# the LLaMAs repeat 2 KV heads to 4 three ways; all must reach tfm.attention as `causal`
# with no mask operand, and the LLaMAs with their 2 KV heads.
CAUSAL = {"gpt2_tiny": None, "llama_tiny": 2, "llama_sdpa_dynamo": 2, "llama_opset23": 2}


def fusion_report(path):
    out = subprocess.run([tool("kiln-compile"), path, "--fusion-report"], check=True,
                         capture_output=True, text=True).stdout
    counts = {m.group(1): int(m.group(2)) for m in re.finditer(r"(tfm\.\w+): (\d+)", out)}
    epilogue = re.search(r"tfm\.matmul: \d+ \((.*)\)", out)
    for part in epilogue.group(1).split(", ") if epilogue else []:
        kind, count = part.split()
        counts[kind] = int(count)
    unfused = int(re.search(r"unfused anchors: (\d+)", out).group(1))
    return counts, unfused, out


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fusion_report(name):
    counts, unfused, out = fusion_report(os.path.join(MODELS, name + ".onnx"))
    for op in ("tfm.attention", "tfm.layer_norm", "tfm.rms_norm", "tfm.gelu",
               "tfm.rotary_embedding", "tfm.matmul", "bias", "gelu", "gelu_tanh", "silu"):
        assert counts.get(op, 0) == EXPECTED[name].get(op, 0), (op, out)
    assert unfused == 0, out


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fused_equals_unfused(name, tmp_path):
    path = os.path.join(MODELS, name + ".onnx")
    fused, unfused = str(tmp_path / "fused.kiln"), str(tmp_path / "unfused.kiln")
    compile_model(path, fused)
    compile_model(path, unfused, ["--no-fusion"])
    inputs = make_inputs(onnx.load(path), SHAPES[name], seed=3)
    _, output_names = graph_io_names(path)
    got, _ = run_artifact(fused, inputs, output_names)
    want, _ = run_artifact(unfused, inputs, output_names)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        error = np.abs(g - w).max() / max(np.abs(w).max(), 1e-30)
        assert error <= MAX_REL_ERROR, "max relative error %g" % error


@pytest.mark.parametrize("name", sorted(CAUSAL))
def test_causal_and_grouped_heads(name):
    out = subprocess.run([tool("kiln-compile"), os.path.join(MODELS, name + ".onnx"),
                          "--emit=tfm", "-o", "-"], check=True, capture_output=True,
                         text=True).stdout
    lines = [l for l in out.splitlines() if "tfm.attention" in l]
    assert len(lines) == 2, out
    for line in lines:
        assert "causal" in line and "mask(" not in line, line
        if CAUSAL[name]:  # keys in the default [batch, heads, seq, dim] layout
            key_type = line.split(" : ")[-1].split(", ")[1]
            assert "key_layout" not in line and key_type.split("x")[1] == str(CAUSAL[name]), line
