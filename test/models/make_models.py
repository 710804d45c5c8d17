#!/usr/bin/env python3
"""Make the tiny transformer ONNX models that Kiln's tests use.

Every model is defined right here in plain torch (no `transformers`, no
downloads), given seeded random weights, exported with torch.onnx.export and
then checked:

  * onnx.checker.check_model (full_check, i.e. with shape inference), and
  * onnxruntime's outputs against torch's on random inputs at two different
    (batch, seq) shapes; the max abs difference must be below 1e-4.

torch, onnx, onnxscript and onnxruntime are needed only to run this script;
the models it writes are committed and CI never runs it.  Regenerate with

    /opt/torchenv/bin/python test/models/make_models.py

Models written next to this script:
  bert_tiny.onnx         BERT-style post-norm encoder   (TorchScript exporter, opset 17)
  gpt2_tiny.onnx         GPT-2-style pre-norm decoder   (TorchScript exporter, opset 17)
  llama_tiny.onnx        LLaMA-style decoder, RoPE, GQA (TorchScript exporter, opset 18)
  vit_tiny.onnx          ViT-style image classifier     (TorchScript exporter, opset 17)
  bert_tiny_dynamo.onnx  same BERT module               (dynamo exporter, opset 18)
  llama_sdpa_dynamo.onnx LLaMA-style decoder with F.scaled_dot_product_attention(is_causal,
                         enable_gqa) and nn.RMSNorm       (dynamo exporter, opset 18)
  llama_opset23.onnx     the same module                 (dynamo exporter, opset 23: ONNX
                         Attention and RMSNormalization ops; its rotate-half spelled out is
                         replaced by ONNX RotaryEmbedding ops, see opset23_rotary below)

  mha_torchscript.onnx   encoder layer on nn.MultiheadAttention (TorchScript exporter, opset 17)
  mha_dynamo.onnx        the same module                 (dynamo exporter, opset 18)

    python make_models.py modern   regenerates only the last four (default: all)
"""

import collections
import math
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT_DIR = os.path.dirname(os.path.abspath(__file__))
TOL = 1e-4
MAX_BYTES = 1 << 20  # every model file must stay <= 1 MB

torch.set_num_threads(1)


# --------------------------------------------------------------------------
# BERT-style encoder (post-norm)
# --------------------------------------------------------------------------
class BertSelfAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.output = nn.Linear(hidden, hidden)

    def split_heads(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.head_dim).transpose(1, 2)  # [b, h, s, d]

    def forward(self, x, additive_mask):
        b, s, c = x.shape
        q = self.split_heads(self.query(x))
        k = self.split_heads(self.key(x))
        v = self.split_heads(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        scores = scores + additive_mask  # [b, 1, 1, s] broadcasts over heads and queries
        probs = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v)  # [b, h, s, d]
        ctx = ctx.transpose(1, 2).contiguous().view(b, s, c)  # merge heads
        return self.output(ctx)


class BertLayer(nn.Module):
    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.attention = BertSelfAttention(hidden, heads)
        self.attention_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = nn.Linear(hidden, ffn)
        self.act = nn.GELU()  # erf form
        self.ffn_out = nn.Linear(ffn, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x, additive_mask):
        x = self.attention_norm(x + self.attention(x, additive_mask))
        x = self.output_norm(x + self.ffn_out(self.act(self.intermediate(x))))
        return x


class BertTiny(nn.Module):
    def __init__(self, vocab=100, hidden=32, heads=4, layers=2, ffn=64, max_pos=64):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, hidden)
        self.position_embeddings = nn.Embedding(max_pos, hidden)
        self.embedding_norm = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList(BertLayer(hidden, heads, ffn) for _ in range(layers))

    def forward(self, input_ids, attention_mask):
        seq = input_ids.shape[1]
        position_ids = torch.arange(seq, device=input_ids.device).unsqueeze(0)
        x = self.word_embeddings(input_ids) + self.position_embeddings(position_ids)
        x = self.embedding_norm(x)
        # [b, s] int64 -> [b, 1, 1, s] float: 0 where attended, -10000 where padded
        mask = attention_mask[:, None, None, :].to(x.dtype)
        additive_mask = (1.0 - mask) * -10000.0
        for layer in self.layers:
            x = layer(x, additive_mask)
        return x


# --------------------------------------------------------------------------
# GPT-2-style decoder (pre-norm)
# --------------------------------------------------------------------------
class GPT2Attention(nn.Module):
    def __init__(self, hidden, heads, max_pos):
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.c_attn = nn.Linear(hidden, 3 * hidden)  # fused q, k, v
        self.c_proj = nn.Linear(hidden, hidden)
        causal = torch.tril(torch.ones(max_pos, max_pos, dtype=torch.bool))
        self.register_buffer("bias", causal.view(1, 1, max_pos, max_pos), persistent=False)

    def forward(self, x):
        b, s, c = x.shape
        q, k, v = self.c_attn(x).split(c, dim=2)
        q = q.view(b, s, self.heads, self.head_dim).transpose(1, 2)
        k = k.view(b, s, self.heads, self.head_dim).transpose(1, 2)
        v = v.view(b, s, self.heads, self.head_dim).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        mask = self.bias[:, :, :s, :s]
        min_value = torch.finfo(scores.dtype).min
        scores = torch.where(mask, scores, min_value)
        probs = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).transpose(1, 2).contiguous().view(b, s, c)
        return self.c_proj(ctx)


class GPT2Block(nn.Module):
    def __init__(self, hidden, heads, max_pos):
        super().__init__()
        self.ln_1 = nn.LayerNorm(hidden, eps=1e-5)
        self.attn = GPT2Attention(hidden, heads, max_pos)
        self.ln_2 = nn.LayerNorm(hidden, eps=1e-5)
        self.c_fc = nn.Linear(hidden, 4 * hidden)
        self.act = nn.GELU(approximate="tanh")
        self.mlp_proj = nn.Linear(4 * hidden, hidden)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp_proj(self.act(self.c_fc(self.ln_2(x))))
        return x


class GPT2Tiny(nn.Module):
    def __init__(self, vocab=100, hidden=32, heads=4, layers=2, max_pos=64):
        super().__init__()
        self.wte = nn.Embedding(vocab, hidden)
        self.wpe = nn.Embedding(max_pos, hidden)
        self.h = nn.ModuleList(GPT2Block(hidden, heads, max_pos) for _ in range(layers))
        self.ln_f = nn.LayerNorm(hidden, eps=1e-5)
        self.lm_head = nn.Linear(hidden, vocab, bias=False)

    def forward(self, input_ids):
        seq = input_ids.shape[1]
        position_ids = torch.arange(seq, device=input_ids.device).unsqueeze(0)
        x = self.wte(input_ids) + self.wpe(position_ids)
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


# --------------------------------------------------------------------------
# LLaMA-style decoder: RMSNorm, rotary embeddings, grouped-query attention, SwiGLU
# --------------------------------------------------------------------------
class RMSNorm(nn.Module):
    def __init__(self, hidden, eps=1e-6):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(hidden))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    x1 = x[..., :half]
    x2 = x[..., half:]
    return torch.cat((-x2, x1), dim=-1)


def apply_rotary(x, cos, sin):
    return x * cos + rotate_half(x) * sin


def repeat_kv(x, n_rep):
    b, kv_heads, s, d = x.shape
    if n_rep == 1:
        return x
    x = x[:, :, None, :, :].expand(b, kv_heads, n_rep, s, d)
    return x.reshape(b, kv_heads * n_rep, s, d)


class LlamaAttention(nn.Module):
    def __init__(self, hidden, heads, kv_heads):
        super().__init__()
        self.heads = heads
        self.kv_heads = kv_heads
        self.head_dim = hidden // heads
        self.q_proj = nn.Linear(hidden, heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(hidden, kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(heads * self.head_dim, hidden, bias=False)

    def rotated_heads(self, x, cos, sin):
        """q, k, v as [b, heads, s, head_dim], q and k rotated."""
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, self.heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.kv_heads, self.head_dim).transpose(1, 2)
        return apply_rotary(q, cos, sin), apply_rotary(k, cos, sin), v

    def forward(self, x, cos, sin, causal_mask):
        b, s, _ = x.shape
        q, k, v = self.rotated_heads(x, cos, sin)
        k = repeat_kv(k, self.heads // self.kv_heads)
        v = repeat_kv(v, self.heads // self.kv_heads)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.head_dim)
        scores = scores + causal_mask
        probs = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).transpose(1, 2).reshape(b, s, -1)
        return self.o_proj(ctx)


class LlamaMLP(nn.Module):
    def __init__(self, hidden, intermediate):
        super().__init__()
        self.gate_proj = nn.Linear(hidden, intermediate, bias=False)
        self.up_proj = nn.Linear(hidden, intermediate, bias=False)
        self.down_proj = nn.Linear(intermediate, hidden, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class LlamaLayer(nn.Module):
    def __init__(self, hidden, heads, kv_heads, intermediate):
        super().__init__()
        self.input_layernorm = RMSNorm(hidden)
        self.self_attn = LlamaAttention(hidden, heads, kv_heads)
        self.post_attention_layernorm = RMSNorm(hidden)
        self.mlp = LlamaMLP(hidden, intermediate)

    def forward(self, x, cos, sin, causal_mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, causal_mask)
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x


class LlamaTiny(nn.Module):
    def __init__(self, vocab=100, hidden=64, heads=4, kv_heads=2, layers=2,
                 intermediate=128, rope_theta=10000.0):
        super().__init__()
        head_dim = hidden // heads
        self.embed_tokens = nn.Embedding(vocab, hidden)
        self.layers = nn.ModuleList(
            LlamaLayer(hidden, heads, kv_heads, intermediate) for _ in range(layers))
        self.norm = RMSNorm(hidden)
        self.lm_head = nn.Linear(hidden, vocab, bias=False)
        inv_freq = 1.0 / (rope_theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def rotary_tables(self, input_ids):
        """cos and sin for position ids arange(seq), one angle per feature: [1, 1, s, head_dim]."""
        seq = input_ids.shape[1]
        position_ids = torch.arange(seq, device=input_ids.device).to(torch.float32)
        freqs = position_ids[:, None] * self.inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos()[None, None, :, :], emb.sin()[None, None, :, :]

    def forward(self, input_ids):
        seq = input_ids.shape[1]
        x = self.embed_tokens(input_ids)
        cos, sin = self.rotary_tables(input_ids)
        # additive causal mask [1, 1, s, s]: 0 on/below the diagonal, min above it
        min_value = torch.finfo(x.dtype).min
        causal_mask = torch.triu(torch.full((seq, seq), min_value, dtype=x.dtype), diagonal=1)
        causal_mask = causal_mask[None, None, :, :]
        for layer in self.layers:
            x = layer(x, cos, sin, causal_mask)
        return self.lm_head(self.norm(x))


# --------------------------------------------------------------------------
# ViT-style image classifier (pre-norm, scaled_dot_product_attention)
# --------------------------------------------------------------------------
class ViTLayer(nn.Module):
    def __init__(self, hidden, heads, mlp):
        super().__init__()
        self.heads = heads
        self.head_dim = hidden // heads
        self.norm1 = nn.LayerNorm(hidden, eps=1e-6)
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.proj = nn.Linear(hidden, hidden)
        self.norm2 = nn.LayerNorm(hidden, eps=1e-6)
        self.fc1 = nn.Linear(hidden, mlp)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(mlp, hidden)

    def attention(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).view(b, n, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # each [b, h, n, d]
        ctx = F.scaled_dot_product_attention(q, k, v)
        return self.proj(ctx.transpose(1, 2).reshape(b, n, c))

    def forward(self, x):
        x = x + self.attention(self.norm1(x))
        x = x + self.fc2(self.act(self.fc1(self.norm2(x))))
        return x


class ViTTiny(nn.Module):
    def __init__(self, image=32, patch=8, channels=3, hidden=32, heads=4, layers=2,
                 mlp=64, classes=10):
        super().__init__()
        num_patches = (image // patch) ** 2
        self.patch_embed = nn.Conv2d(channels, hidden, kernel_size=patch, stride=patch)
        self.cls_token = nn.Parameter(torch.randn(1, 1, hidden) * 0.02)
        self.pos_embed = nn.Parameter(torch.randn(1, num_patches + 1, hidden) * 0.02)
        self.layers = nn.ModuleList(ViTLayer(hidden, heads, mlp) for _ in range(layers))
        self.norm = nn.LayerNorm(hidden, eps=1e-6)
        self.head = nn.Linear(hidden, classes)

    def forward(self, pixel_values):
        b = pixel_values.shape[0]
        x = self.patch_embed(pixel_values).flatten(2).transpose(1, 2)  # [b, patches, hidden]
        cls = self.cls_token.expand(b, -1, -1)
        x = torch.cat((cls, x), dim=1) + self.pos_embed
        for layer in self.layers:
            x = layer(x)
        x = self.norm(x)
        return self.head(x[:, 0])


# --------------------------------------------------------------------------
# LLaMA-style decoder on torch's fused ops: SDPA with is_causal and enable_gqa, nn.RMSNorm
# --------------------------------------------------------------------------
class SdpaLlamaAttention(LlamaAttention):
    def forward(self, x, cos, sin):
        b, s, _ = x.shape
        q, k, v = self.rotated_heads(x, cos, sin)
        ctx = F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
        return self.o_proj(ctx.transpose(1, 2).reshape(b, s, -1))


class SdpaLlamaLayer(nn.Module):
    def __init__(self, hidden, heads, kv_heads, intermediate):
        super().__init__()
        self.input_layernorm = nn.RMSNorm(hidden, eps=1e-6)
        self.self_attn = SdpaLlamaAttention(hidden, heads, kv_heads)
        self.post_attention_layernorm = nn.RMSNorm(hidden, eps=1e-6)
        self.mlp = LlamaMLP(hidden, intermediate)

    def forward(self, x, cos, sin):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin)
        return x + self.mlp(self.post_attention_layernorm(x))


class SdpaLlamaTiny(LlamaTiny):
    def __init__(self, vocab=100, hidden=64, heads=4, kv_heads=2, layers=2, intermediate=128):
        super().__init__(vocab, hidden, heads, kv_heads, layers, intermediate)
        self.layers = nn.ModuleList(
            SdpaLlamaLayer(hidden, heads, kv_heads, intermediate) for _ in range(layers))
        self.norm = nn.RMSNorm(hidden, eps=1e-6)

    def forward(self, input_ids):
        x = self.embed_tokens(input_ids)
        cos, sin = self.rotary_tables(input_ids)
        for layer in self.layers:
            x = layer(x, cos, sin)
        return self.lm_head(self.norm(x))


class MHAEncoder(nn.Module):
    """A pre-norm encoder layer on torch.nn.MultiheadAttention (packed in-projection)."""

    def __init__(self, vocab=100, hidden=32, heads=4, mlp=64):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.norm1 = nn.LayerNorm(hidden)
        self.attn = nn.MultiheadAttention(hidden, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(hidden)
        self.fc1 = nn.Linear(hidden, mlp)
        self.fc2 = nn.Linear(mlp, hidden)

    def forward(self, input_ids):
        x = self.embed(input_ids)
        h = self.norm1(x)
        x = x + self.attn(h, h, h, need_weights=False)[0]
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


def opset23_rotary(path):
    """Replace each spelled-out rotate-half (Add(Mul(x, cos), Mul(Concat(-x2, x1), sin))) by
    an ONNX RotaryEmbedding node on per-pair caches [batch, seq, head_dim / 2], which is how
    models written for opset 23 carry it; torch has no rotary op to export."""
    from onnx import helper
    proto = onnx.load(path)
    g = proto.graph
    producer = {o: n for n in g.node for o in n.output}
    new_nodes, dropped, made_caches = [], set(), False
    for n in g.node:
        if n.op_type != "Add" or n.name in dropped:
            continue
        muls = [producer.get(i) for i in n.input]
        if not all(m is not None and m.op_type == "Mul" for m in muls):
            continue
        for direct, rotated in (muls, muls[::-1]):
            cat = next((producer.get(i) for i in rotated.input
                        if producer.get(i) is not None and producer[i].op_type == "Concat"), None)
            if cat is None or len(cat.input) != 2 or producer.get(cat.input[0]) is None \
                    or producer[cat.input[0]].op_type != "Neg":
                continue
            x = producer[cat.input[1]].input[0]  # Slice(x, 0, h)
            if x not in direct.input:
                continue
            if not made_caches:
                # per-pair caches: the first half of the per-feature [1, 1, s, d] tables, [1, s, d/2]
                cos_full = next(i for i in direct.input if i != x)
                sin_full = next(i for i in rotated.input if i != cat.output[0])
                new_nodes += [
                    helper.make_node("Constant", [], ["rope_half_starts"], value=onnx.numpy_helper.from_array(np.array([0], np.int64))),
                    helper.make_node("Constant", [], ["rope_half_ends"], value=onnx.numpy_helper.from_array(np.array([HEAD_DIM // 2], np.int64))),
                    helper.make_node("Constant", [], ["rope_half_axes"], value=onnx.numpy_helper.from_array(np.array([3], np.int64))),
                    helper.make_node("Constant", [], ["rope_squeeze_axes"], value=onnx.numpy_helper.from_array(np.array([1], np.int64))),
                    helper.make_node("Constant", [], ["rope_ones"], value=onnx.numpy_helper.from_array(np.array([1, 1], np.int64))),
                    # onnxruntime wants caches with the input's batch: expand [1, s, d/2]
                    helper.make_node("Shape", ["input_ids"], ["rope_batch"], end=1),
                    helper.make_node("Concat", ["rope_batch", "rope_ones"], ["rope_expand_shape"], axis=0),
                ]
                for name, full in (("cos", cos_full), ("sin", sin_full)):
                    new_nodes += [
                        helper.make_node("Slice", [full, "rope_half_starts", "rope_half_ends", "rope_half_axes"], [f"rope_{name}_half4"]),
                        helper.make_node("Squeeze", [f"rope_{name}_half4", "rope_squeeze_axes"], [f"rope_{name}_half3"]),
                        helper.make_node("Expand", [f"rope_{name}_half3", "rope_expand_shape"], [f"rope_{name}_cache"]),
                    ]
                made_caches = True
            new_nodes.append(helper.make_node(
                "RotaryEmbedding", [x, "rope_cos_cache", "rope_sin_cache"], [n.output[0]],
                name=n.name + "_rotary"))
            dropped.add(n.name)
            break
    kept = [n for n in g.node if n.name not in dropped]
    # the caches must be computed before first use: put the new nodes right after their inputs
    order = {}
    for i, n in enumerate(kept):
        for o in n.output:
            order[o] = i
    result = list(kept)
    for node in new_nodes:
        after = max((order.get(i, -1) for i in node.input), default=-1)
        result.insert(after + 1, node)
        order = {o: i for i, nn in enumerate(result) for o in nn.output}
    # drop what only fed the replaced subgraphs
    outputs = {o.name for o in g.output}
    while True:
        used = {i for n in result for i in n.input} | outputs
        live = [n for n in result if any(o in used for o in n.output)]
        if len(live) == len(result):
            break
        result = live
    del g.node[:]
    g.node.extend(result)
    proto = onnx.shape_inference.infer_shapes(proto)
    onnx.save(proto, path)
    return len(dropped)


HEAD_DIM = 16


# --------------------------------------------------------------------------
# Export and verification
# --------------------------------------------------------------------------
def build(cls, seed):
    torch.manual_seed(seed)
    model = cls().eval()
    # Perturb norm weights/biases away from 1/0 so they are really exercised.
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.LayerNorm, RMSNorm)):
                m.weight.add_(0.1 * torch.randn_like(m.weight))
                if getattr(m, "bias", None) is not None:
                    m.bias.add_(0.1 * torch.randn_like(m.bias))
    return model


def text_inputs(batch, seq, with_mask, gen):
    ids = torch.randint(0, 100, (batch, seq), generator=gen, dtype=torch.int64)
    if not with_mask:
        return (ids,)
    mask = torch.ones(batch, seq, dtype=torch.int64)
    for i in range(1, batch):  # pad the tails of all but the first row
        mask[i, seq - i:] = 0
    return (ids, mask)


def image_inputs(batch, gen):
    return (torch.randn(batch, 3, 32, 32, generator=gen),)


def op_histogram(model):
    return collections.Counter(n.op_type for n in model.graph.node)


def verify(path, model, input_names, inputs_at_shapes):
    """checker + size + ORT-vs-torch at each given set of inputs."""
    size = os.path.getsize(path)
    assert size <= MAX_BYTES, f"{path} is {size} bytes (> 1 MB)"
    proto = onnx.load(path)
    onnx.checker.check_model(proto, full_check=True)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    diffs = []
    for inputs in inputs_at_shapes:
        with torch.no_grad():
            expected = model(*inputs).numpy()
        feeds = {name: t.numpy() for name, t in zip(input_names, inputs)}
        (got,) = sess.run(None, feeds)
        assert got.shape == expected.shape, (got.shape, expected.shape)
        diff = float(np.max(np.abs(got - expected)))
        shape = "x".join(str(d) for d in inputs[0].shape)
        diffs.append((shape, diff))
        assert diff < TOL, f"{path}: max abs diff {diff} >= {TOL} at input shape {shape}"
    name = os.path.basename(path)
    opsets = {imp.domain or "ai.onnx": imp.version for imp in proto.opset_import}
    print(f"{name}: {size} bytes, opset_import {opsets}, ir_version {proto.ir_version}")
    print("  inputs : " + ", ".join(
        f"{i.name} {onnx.TensorProto.DataType.Name(i.type.tensor_type.elem_type)}"
        f"[{','.join(d.dim_param or str(d.dim_value) for d in i.type.tensor_type.shape.dim)}]"
        for i in proto.graph.input))
    print("  outputs: " + ", ".join(
        f"{o.name} {onnx.TensorProto.DataType.Name(o.type.tensor_type.elem_type)}"
        f"[{','.join(d.dim_param or str(d.dim_value) for d in o.type.tensor_type.shape.dim)}]"
        for o in proto.graph.output))
    print("  ORT vs torch max abs diff: " + ", ".join(f"{s}: {d:.3g}" for s, d in diffs))
    hist = op_histogram(proto)
    print(f"  {sum(hist.values())} nodes: " + ", ".join(f"{k} {v}" for k, v in sorted(hist.items())))


def strip_stack_traces(path):
    """Drop the dynamo exporter's per-node Python stack traces: they hold this
    checkout's absolute paths, so they would make the file differ from machine
    to machine. The other per-node metadata (module scopes, FX node) is kept."""
    proto = onnx.load(path)
    for node in proto.graph.node:
        kept = [p for p in node.metadata_props if p.key != "pkg.torch.onnx.stack_trace"]
        del node.metadata_props[:]
        node.metadata_props.extend(kept)
    onnx.save(proto, path)


def export_torchscript(model, args, name, input_names, output_names, dynamic_axes, opset):
    path = os.path.join(OUT_DIR, name)
    torch.onnx.export(
        model, args, path,
        dynamo=False,  # the TorchScript exporter; constant folding is on by default
        opset_version=opset,
        input_names=input_names,
        output_names=output_names,
        dynamic_axes=dynamic_axes,
    )
    return path


def export_dynamo(model, args, name, input_names, output_names, dynamic_shapes, opset):
    path = os.path.join(OUT_DIR, name)
    torch.onnx.export(model, args, path, dynamo=True, opset_version=opset, external_data=False,
                      input_names=input_names, output_names=output_names,
                      dynamic_shapes=dynamic_shapes)
    strip_stack_traces(path)
    return path


def make_modern(gen, failures):
    """The models of torch's fused-op exports (dynamo) and of ONNX opset 23."""
    # nn.MultiheadAttention through both exporters. The TorchScript export bakes the sequence
    # length (7) into its reshapes; the dynamo one keeps it dynamic.
    mha = build(MHAEncoder, seed=5)
    try:
        path = export_torchscript(mha, text_inputs(2, 7, False, gen), "mha_torchscript.onnx",
                                  ["input_ids"], ["hidden"],
                                  {"input_ids": {0: "batch"}, "hidden": {0: "batch"}}, 17)
        verify(path, mha, ["input_ids"],
               [text_inputs(2, 7, False, gen), text_inputs(3, 7, False, gen)])
        path = export_dynamo(mha, text_inputs(2, 7, False, gen), "mha_dynamo.onnx",
                             ["input_ids"], ["hidden"],
                             {"input_ids": {0: torch.export.Dim("batch", min=1, max=1024),
                                            1: torch.export.Dim("seq", min=2, max=64)}}, 18)
        verify(path, mha, ["input_ids"],
               [text_inputs(2, 8, False, gen), text_inputs(3, 13, False, gen)])
    except Exception as e:
        failures.append(f"mha: {type(e).__name__}: {e}")

    llama = build(SdpaLlamaTiny, seed=4)
    batch = torch.export.Dim("batch", min=1, max=1024)
    seq = torch.export.Dim("seq", min=2, max=64)
    shapes = {"input_ids": {0: batch, 1: seq}}
    for name, opset in (("llama_sdpa_dynamo.onnx", 18), ("llama_opset23.onnx", 23)):
        try:
            path = export_dynamo(llama, text_inputs(2, 7, False, gen), name, ["input_ids"],
                                 ["logits"], shapes, opset)
            if opset == 23:
                replaced = opset23_rotary(path)
                assert replaced == 4, f"{replaced} rotary subgraphs replaced, expected 4"
            verify(path, llama, ["input_ids"],
                   [text_inputs(2, 8, False, gen), text_inputs(3, 13, False, gen)])
        except Exception as e:
            failures.append(f"{name}: {type(e).__name__}: {e}")


def main():
    gen = torch.Generator().manual_seed(1234)
    bs = {0: "batch", 1: "seq"}
    failures = []
    if sys.argv[1:] == ["modern"]:
        make_modern(gen, failures)
        for f in failures:
            print("FAILED", f, file=sys.stderr)
        return 1 if failures else 0

    # BERT
    bert = build(BertTiny, seed=0)
    path = export_torchscript(
        bert, text_inputs(2, 7, True, gen), "bert_tiny.onnx",
        ["input_ids", "attention_mask"], ["last_hidden_state"],
        {"input_ids": bs, "attention_mask": bs, "last_hidden_state": bs}, 17)
    verify(path, bert, ["input_ids", "attention_mask"],
           [text_inputs(2, 8, True, gen), text_inputs(3, 13, True, gen)])

    # GPT-2
    gpt2 = build(GPT2Tiny, seed=1)
    path = export_torchscript(
        gpt2, text_inputs(2, 7, False, gen), "gpt2_tiny.onnx",
        ["input_ids"], ["logits"], {"input_ids": bs, "logits": bs}, 17)
    verify(path, gpt2, ["input_ids"],
           [text_inputs(2, 8, False, gen), text_inputs(3, 13, False, gen)])

    # LLaMA
    llama = build(LlamaTiny, seed=2)
    path = export_torchscript(
        llama, text_inputs(2, 7, False, gen), "llama_tiny.onnx",
        ["input_ids"], ["logits"], {"input_ids": bs, "logits": bs}, 18)
    verify(path, llama, ["input_ids"],
           [text_inputs(2, 8, False, gen), text_inputs(3, 13, False, gen)])

    # ViT (only batch is dynamic)
    vit = build(ViTTiny, seed=3)
    path = export_torchscript(
        vit, image_inputs(2, gen), "vit_tiny.onnx",
        ["pixel_values"], ["logits"],
        {"pixel_values": {0: "batch"}, "logits": {0: "batch"}}, 17)
    verify(path, vit, ["pixel_values"], [image_inputs(1, gen), image_inputs(5, gen)])

    # BERT again, through the dynamo (torch.export) exporter.
    path = os.path.join(OUT_DIR, "bert_tiny_dynamo.onnx")
    batch = torch.export.Dim("batch", min=1, max=1024)
    seq = torch.export.Dim("seq", min=1, max=64)  # position table has 64 rows
    try:
        torch.onnx.export(
            bert, text_inputs(2, 7, True, gen), path,
            dynamo=True,
            opset_version=18,  # the dynamo exporter's lowest supported opset
            external_data=False,
            input_names=["input_ids", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_shapes={"input_ids": {0: batch, 1: seq},
                            "attention_mask": {0: batch, 1: seq}},
        )
        strip_stack_traces(path)
        verify(path, bert, ["input_ids", "attention_mask"],
               [text_inputs(2, 8, True, gen), text_inputs(3, 13, True, gen)])
    except Exception as e:  # keep the TorchScript models even if this exporter breaks
        failures.append(f"bert_tiny_dynamo.onnx: {type(e).__name__}: {e}")

    make_modern(gen, failures)
    print(f"torch {torch.__version__}, onnx {onnx.__version__}, onnxruntime {ort.__version__}")
    for f in failures:
        print("FAILED", f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
