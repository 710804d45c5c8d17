#!/usr/bin/env python3
"""Make the model zoo: Hugging Face `transformers` models exported the way users export them.

Unlike ../make_models.py (hand-written torch modules), every model here is a stock
`transformers` class built from a tiny config (hidden 32-64, 2 layers, vocab 100) with seeded
random weights, in eval mode, with its default attention implementation (what users get:
`sdpa` for most classes, `eager` where the class has no SDPA path), wrapped in a small module
that passes `use_cache=False` (where the class takes it) and returns one tensor
(`last_hidden_state` or `logits`).  Each model is exported

  * with torch's dynamo exporter (`torch.onnx.export(..., dynamo=True)`) at opset 18 and at
    opset 23 (the newest the installed torch's dynamo exporter supports:
    torch.onnx._constants.ONNX_MAX_OPSET, and torchlib's newest `opset_introduced`),
  * with the TorchScript exporter (`dynamo=False`) at opset 17,
  * for BERT and GPT-2 also through onnxruntime's transformer optimizer
    (`optimize_model(ts_export, model_type='bert'/'gpt2', opt_level=0)`, com.microsoft
    fused ops), from the default TorchScript export (`ortopt`) and from one of the same
    weights with attn_implementation="eager" (`ortopt-eager`: the spelling ORT's Attention
    and EmbedLayerNormalization fusions match),

with dynamic batch and sequence dims (images: batch only; audio: batch and samples), and
every one of these again in fp16 with onnxruntime's converter
(`convert_float_to_float16(model, keep_io_types=True)`: fp32 inputs and outputs).

Every file is checked: size <= 1 MB, onnx.checker (full_check), and onnxruntime against the
fp32 torch model at two shapes (fp32: max|ort - torch| / max|torch| <= 1e-4; fp16: <= 1e-2).
An export or conversion that fails is recorded in manifest.json ("failures") with the error's
first line and the model is left out; the script goes on with the rest. Two known exceptions
are kept and flagged in their manifest entries: files onnxruntime rejects at batch > 1 because
of the opset-23 RotaryEmbedding the onnxscript optimizer fuses in (checked at batch 1 instead:
`ort_error`, `ort_batch1_max_rel_err`), and fp16 files ORT's converter leaves not topologically
sorted (`topologically_sorted: false`; the checker runs on a sorted copy).

Files written next to this script:
  <arch>.<exporter>.<precision>.onnx   e.g. bert.dynamo18.fp32.onnx, gpt2.ortopt.fp16.onnx
                                        (dynamo18, dynamo23, ts17, ortopt, ortopt-eager)
  <arch>.npz                           the torch fp32 references shared by all of <arch>'s
                                        files: shape0/<input>, shape0/output, shape1/<input>,
                                        shape1/output
  manifest.json                        one entry per .onnx file, plus "failures"

Regenerate (deterministic: the same references, byte-identical ONNX on the same versions):

    nice -n 10 /opt/torchenv/bin/python test/models/zoo/make_zoo.py            # everything
    nice -n 10 /opt/torchenv/bin/python test/models/zoo/make_zoo.py bert gpt2  # only these
"""

import collections
import contextlib
import hashlib
import inspect
import io
import json
import os
import sys
import traceback
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn
import transformers

OUT_DIR = os.path.dirname(os.path.abspath(__file__))
MAX_BYTES = 1 << 20
TOL = {"fp32": 1e-4, "fp16": 1e-2}
DYNAMO_OPSETS = (18, 23)  # lowest (torchlib's) and newest (ONNX_MAX_OPSET) of the dynamo exporter
TS_OPSET = 17
MAX_SEQ = 64

torch.set_num_threads(1)
ort.set_default_logger_severity(4)  # failures are caught and recorded; keep stderr clean
warnings.filterwarnings("ignore")
transformers.logging.set_verbosity_error()

# Ops that are neither plain tensor plumbing nor elementwise arithmetic: worth listing per file.
PLAIN_OPS = {
    "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Neg", "Abs", "Exp", "Log", "Reciprocal",
    "MatMul", "Gemm", "Reshape", "Transpose", "Unsqueeze", "Squeeze", "Concat", "Slice",
    "Gather", "Shape", "Constant", "ConstantOfShape", "Cast", "CastLike", "Identity", "Expand",
    "Where", "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Not",
    "Range", "ReduceMean", "ReduceSum", "ReduceMax", "Softmax", "Tanh", "Erf", "Sigmoid",
    "Relu", "Split", "Flatten", "Min", "Max", "Sin", "Cos", "Floor", "Ceil", "Clip", "Size",
}


# --------------------------------------------------------------------------
# Architectures
# --------------------------------------------------------------------------
class Arch:
    def __init__(self, name, hf_class, config, kind="text", output="last_hidden_state",
                 feature="", ort_type=None, shapes=((2, 8), (3, 13)), seed=0, ablation=None):
        self.name, self.hf_class, self.config = name, hf_class, config
        # {what: config overrides} that switch a feature off (same weights): the feature is
        # exercised at the stored shapes iff the output changes
        self.ablation = ablation or {}
        self.kind, self.output, self.feature, self.ort_type = kind, output, feature, ort_type
        self.shapes, self.seed = shapes, seed


def archs():
    T = transformers
    common = dict(initializer_range=0.1)  # HF's 0.02 makes attention nearly uniform
    return [
        Arch("bert", "BertModel", lambda: T.BertConfig(
            vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
            intermediate_size=64, max_position_embeddings=MAX_SEQ, **common),
            feature="post-norm encoder, padding mask, erf GELU", ort_type="bert", seed=1),
        Arch("distilbert", "DistilBertModel", lambda: T.DistilBertConfig(
            vocab_size=100, dim=32, n_layers=2, n_heads=4, hidden_dim=64,
            max_position_embeddings=MAX_SEQ, **common),
            feature="encoder without token types, padding mask", seed=2),
        Arch("roberta", "RobertaModel", lambda: T.RobertaConfig(
            vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
            intermediate_size=64, max_position_embeddings=MAX_SEQ + 2, pad_token_id=1, **common),
            feature="position ids from the padding (cumsum of input_ids != pad)", seed=3),
        Arch("electra", "ElectraModel", lambda: T.ElectraConfig(
            vocab_size=100, embedding_size=16, hidden_size=32, num_hidden_layers=2,
            num_attention_heads=4, intermediate_size=64, max_position_embeddings=MAX_SEQ,
            **common),
            feature="embedding size 16 projected to hidden 32", seed=4),
        Arch("gpt2", "GPT2LMHeadModel", lambda: T.GPT2Config(
            vocab_size=100, n_positions=MAX_SEQ, n_embd=32, n_layer=2, n_head=4, **common),
            output="logits", feature="pre-norm decoder, causal + padding mask, tanh GELU, tied LM head",
            ort_type="gpt2", seed=5),
        Arch("llama_gqa", "LlamaForCausalLM", lambda: T.LlamaConfig(
            vocab_size=100, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=MAX_SEQ,
            **common),
            output="logits", feature="RMSNorm, rotary, GQA 4 query / 2 KV heads, SwiGLU", seed=6),
        Arch("mistral_swa", "MistralModel", lambda: T.MistralConfig(
            vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, head_dim=8, sliding_window=4,
            max_position_embeddings=MAX_SEQ, **common),
            feature="sliding window 4 (seq 8 and 13 exceed it), GQA", seed=7,
            ablation={"no sliding window": {"sliding_window": None}}),
        Arch("bloom_alibi", "BloomModel", lambda: T.BloomConfig(
            vocab_size=100, hidden_size=32, n_layer=2, n_head=4, **common),
            feature="ALiBi position biases, embedding LayerNorm", seed=8),
        Arch("phi_partial_rotary", "PhiModel", lambda: T.PhiConfig(
            vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=4, partial_rotary_factor=0.5, max_position_embeddings=MAX_SEQ,
            **common),
            feature="partial rotary (4 of head dim 8), parallel attention + MLP", seed=9),
        Arch("gptneox_partial_rotary", "GPTNeoXModel", lambda: T.GPTNeoXConfig(
            vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=4, rotary_pct=0.25, max_position_embeddings=MAX_SEQ, **common),
            feature="partial rotary (rotary_pct 0.25: 2 of head dim 8), packed QKV", seed=10),
        Arch("gptj_interleaved_rotary", "GPTJModel", lambda: T.GPTJConfig(
            vocab_size=100, n_positions=MAX_SEQ, n_embd=32, n_layer=2, n_head=4, rotary_dim=4,
            **common),
            feature="interleaved (rotate-every-two) partial rotary, rotary_dim 4", seed=11),
        Arch("t5_encoder", "T5EncoderModel", lambda: T.T5Config(
            vocab_size=100, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4,
            relative_attention_num_buckets=8, relative_attention_max_distance=16,
            initializer_factor=1.0),
            feature="relative position buckets (8 buckets, max distance 16), T5 RMS LayerNorm", seed=12),
        Arch("deberta_v2", "DebertaV2Model", lambda: T.DebertaV2Config(
            vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
            intermediate_size=64, max_position_embeddings=MAX_SEQ, relative_attention=True,
            position_buckets=8, max_relative_positions=16, pos_att_type=["p2c", "c2p"],
            **common),
            feature="disentangled relative attention (c2p, p2c), log buckets", seed=13),
        Arch("gemma2_softcap", "Gemma2ForCausalLM", lambda: T.Gemma2Config(
            vocab_size=100, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=2, head_dim=8, query_pre_attn_scalar=8,
            sliding_window=4, attn_logit_softcapping=2.0, final_logit_softcapping=5.0,
            max_position_embeddings=MAX_SEQ, **common),
            output="logits",
            feature="attention logit soft-capping 2.0, final logit soft-capping 5.0, "
                    "sliding window 4 on alternate layers, GQA, (1+w) RMSNorm",
            seed=14, ablation={
                "no attention softcap": {"attn_logit_softcapping": None},
                "no final softcap": {"final_logit_softcapping": None},
                "no sliding window": {"layer_types": ["full_attention"] * 2}}),
        Arch("vit", "ViTModel", lambda: T.ViTConfig(
            image_size=32, patch_size=8, num_channels=3, hidden_size=32, num_hidden_layers=2,
            num_attention_heads=4, intermediate_size=64, **common),
            kind="image", feature="Conv2d patch embedding, cls token, pre-norm encoder",
            shapes=((2,), (3,)), seed=15),
        Arch("wav2vec2", "Wav2Vec2Model", lambda: T.Wav2Vec2Config(
            vocab_size=32, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
            intermediate_size=64, conv_dim=(32, 32, 32), conv_stride=(5, 2, 2),
            conv_kernel=(10, 3, 3), num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4,
            **common),
            kind="audio",
            feature="1-D conv feature encoder with GroupNorm, grouped conv position embedding",
            shapes=((2, 400), (3, 720)), seed=16),
    ]


# --------------------------------------------------------------------------
# Building the torch models and their inputs
# --------------------------------------------------------------------------
class Wrapper(nn.Module):
    """Calls the HF model with keyword arguments and returns one tensor."""

    def __init__(self, model, input_names, output):
        super().__init__()
        self.model, self.input_names, self.output = model, input_names, output
        params = inspect.signature(model.forward).parameters
        self.extra = {"use_cache": False} if "use_cache" in params else {}

    def forward(self, *args):
        kwargs = dict(zip(self.input_names, args))
        return getattr(self.model(**kwargs, **self.extra, return_dict=True), self.output)


class TextWrapper(Wrapper):
    def forward(self, input_ids, attention_mask):
        return super().forward(input_ids, attention_mask)


class ImageWrapper(Wrapper):
    def forward(self, pixel_values):
        return super().forward(pixel_values)


class AudioWrapper(Wrapper):
    def forward(self, input_values):
        return super().forward(input_values)


INPUT_NAMES = {"text": ["input_ids", "attention_mask"], "image": ["pixel_values"],
               "audio": ["input_values"]}
WRAPPERS = {"text": TextWrapper, "image": ImageWrapper, "audio": AudioWrapper}


def build(arch, overrides=None):
    torch.manual_seed(arch.seed)
    config = arch.config()
    for k, v in (overrides or {}).items():
        setattr(config, k, v)
    model = getattr(transformers, arch.hf_class)(config).eval()
    # Norm weights come out of HF's init as exactly 1 (or 0 for (1+w) RMSNorms) and biases as
    # 0: perturb them so they are really exercised.
    with torch.no_grad():
        for name, m in model.named_modules():
            if "norm" in type(m).__name__.lower() or "ln" in name.split(".")[-1]:
                for pname in ("weight", "bias"):
                    p = getattr(m, pname, None)
                    if isinstance(p, torch.Tensor) and p.dim() == 1:
                        p.add_(0.1 * torch.randn_like(p))
    wrapper = WRAPPERS[arch.kind](model, INPUT_NAMES[arch.kind], arch.output).eval()
    return model, wrapper


def make_inputs(arch, shape, shape_index, config):
    """Seeded inputs. Text: random ids (3..vocab-1), the first sequence's last 2 positions
    padded (mask 0, id = pad id). Image: [b, 3, 32, 32] normal. Audio: [b, samples] normal."""
    rng = np.random.default_rng(1000 * arch.seed + shape_index)
    if arch.kind == "text":
        b, s = shape
        ids = rng.integers(3, config.vocab_size, size=(b, s)).astype(np.int64)
        mask = np.ones((b, s), np.int64)
        mask[0, -2:] = 0
        pad = config.pad_token_id if getattr(config, "pad_token_id", None) is not None else 0
        ids[0, -2:] = pad
        return {"input_ids": ids, "attention_mask": mask}
    if arch.kind == "image":
        (b,) = shape
        c, hw = config.num_channels, config.image_size
        return {"pixel_values": rng.standard_normal((b, c, hw, hw)).astype(np.float32)}
    b, n = shape
    return {"input_values": rng.standard_normal((b, n)).astype(np.float32)}


def torch_reference(wrapper, inputs):
    with torch.no_grad():
        out = wrapper(*[torch.from_numpy(v) for v in inputs.values()])
    return out.detach().numpy().astype(np.float32)


def dynamic_specs(arch):
    """(dynamic_shapes for the dynamo exporter, dynamic_axes for the TorchScript one)."""
    batch = torch.export.Dim("batch", min=1, max=1024)
    if arch.kind == "text":
        seq = torch.export.Dim("seq", min=2, max=MAX_SEQ)
        ds = {"input_ids": {0: batch, 1: seq}, "attention_mask": {0: batch, 1: seq}}
        axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                arch.output: {0: "batch", 1: "seq"}}
    elif arch.kind == "image":
        ds = {"pixel_values": {0: batch}}
        axes = {"pixel_values": {0: "batch"}, arch.output: {0: "batch"}}
    else:
        samples = torch.export.Dim("samples", min=400, max=16000)
        ds = {"input_values": {0: batch, 1: samples}}
        axes = {"input_values": {0: "batch", 1: "samples"}, arch.output: {0: "batch", 1: "frames"}}
    return ds, axes


# --------------------------------------------------------------------------
# Exporting, converting, checking
# --------------------------------------------------------------------------
def one_line(e):
    text = f"{type(e).__name__}: {e}".strip()
    if "## Exception summary" in text:  # the dynamo exporter's long ConversionError text
        rest = text.split("## Exception summary", 1)[1].strip().splitlines()
        if rest:
            return f"{type(e).__name__}: {rest[0].strip()}"[:300]
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and len(line) > len(type(e).__name__) + 2:
            return line[:300]
    return text.splitlines()[0][:300] if text else type(e).__name__


def strip_stack_traces(proto):
    """The dynamo exporter's per-node Python stack traces hold absolute paths; drop them."""
    graphs = [proto.graph] + [f for f in proto.functions]
    for g in graphs:
        for node in g.node:
            kept = [p for p in node.metadata_props if p.key != "pkg.torch.onnx.stack_trace"]
            del node.metadata_props[:]
            node.metadata_props.extend(kept)
    return proto


@contextlib.contextmanager
def quiet():
    """The exporters print progress and warnings; keep the log readable."""
    buf_out, buf_err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(buf_out), contextlib.redirect_stderr(buf_err):
        yield


def export_dynamo(wrapper, arch, example, path, opset):
    ds, _ = dynamic_specs(arch)
    with quiet():
        torch.onnx.export(wrapper, tuple(torch.from_numpy(v) for v in example.values()), path,
                          dynamo=True, opset_version=opset, external_data=False,
                          input_names=INPUT_NAMES[arch.kind], output_names=[arch.output],
                          dynamic_shapes=ds)
    onnx.save(strip_stack_traces(onnx.load(path)), path)


def export_torchscript(wrapper, arch, example, path):
    _, axes = dynamic_specs(arch)
    with quiet():
        torch.onnx.export(wrapper, tuple(torch.from_numpy(v) for v in example.values()), path,
                          dynamo=False, opset_version=TS_OPSET,
                          input_names=INPUT_NAMES[arch.kind], output_names=[arch.output],
                          dynamic_axes=axes)


def ort_optimize(src, dst, arch, config):
    from onnxruntime.transformers.optimizer import optimize_model
    heads = getattr(config, "num_attention_heads", None) or config.n_head
    hidden = getattr(config, "hidden_size", None) or config.n_embd
    with quiet():
        opt = optimize_model(src, model_type=arch.ort_type, num_heads=heads, hidden_size=hidden,
                             opt_level=0, use_gpu=False)
        opt.save_model_to_file(dst)


def to_fp16(src, dst):
    from onnxruntime.transformers.float16 import convert_float_to_float16
    with quiet():
        proto = convert_float_to_float16(onnx.load(src), keep_io_types=True)
    onnx.save(proto, dst)


def ort_errors(path, refs):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 4
    sess = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    errs = []
    for inputs, expected in refs:
        (got,) = sess.run(None, inputs)
        if got.shape != expected.shape:
            raise AssertionError(f"ORT output shape {got.shape} != torch {expected.shape}")
        got = got.astype(np.float32)
        if not np.all(np.isfinite(got)):
            raise AssertionError("ORT output has NaN/inf")
        errs.append(float(np.max(np.abs(got - expected)) / np.max(np.abs(expected))))
    return errs


def describe(proto):
    ops = collections.Counter(
        (n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}.{n.op_type}")
        for n in proto.graph.node)
    contrib = sorted(k for k in ops if k.startswith("com.microsoft."))
    notable = sorted(k for k in ops if k not in PLAIN_OPS)
    opsets = {(imp.domain or "ai.onnx"): imp.version for imp in proto.opset_import}

    def io_desc(v):
        t = v.type.tensor_type
        return {"name": v.name, "dtype": onnx.helper.tensor_dtype_to_np_dtype(t.elem_type).name,
                "shape": [d.dim_param or d.dim_value for d in t.shape.dim]}
    inits = {i.name for i in proto.graph.initializer}
    return {
        "opset_import": opsets,
        "inputs": [io_desc(v) for v in proto.graph.input if v.name not in inits],
        "outputs": [io_desc(v) for v in proto.graph.output],
        "num_nodes": sum(ops.values()),
        "contrib_ops": contrib,
        "notable_ops": notable,
        "op_counts": dict(sorted(ops.items())),
    }


def topologically_sorted(proto):
    """A copy of the model with its nodes in topological order (ORT's fp16 converter appends
    the Casts of fp32 graph inputs at the end of the node list)."""
    proto = onnx.ModelProto.FromString(proto.SerializeToString())
    g = proto.graph
    avail = {i.name for i in g.input} | {i.name for i in g.initializer} | {""}
    pending, ordered = list(g.node), []
    while pending:
        rest = []
        for n in pending:
            (ordered if all(i in avail for i in n.input) else rest).append(n)
            if ordered and ordered[-1] is n:
                avail.update(n.output)
        if len(rest) == len(pending):
            raise AssertionError("graph has a cycle or a dangling input")
        pending = rest
    del g.node[:]
    g.node.extend(ordered)
    return proto


def is_sorted(proto):
    g = proto.graph
    avail = {i.name for i in g.input} | {i.name for i in g.initializer} | {""}
    for n in g.node:
        if not all(i in avail for i in n.input):
            return False
        avail.update(n.output)
    return True


def batch1(refs, wrapper):
    """The first sequence (image, waveform) of each shape as a batch of 1, with torch's output."""
    out = []
    for inputs, _ in refs:
        one = {k: np.ascontiguousarray(v[:1]) for k, v in inputs.items()}
        out.append((one, torch_reference(wrapper, one)))
    return out


def check_file(path, refs, precision, wrapper):
    """-> (proto, errors at the two shapes or None, notes dict, size, sha256)."""
    size = os.path.getsize(path)
    assert size <= MAX_BYTES, f"{path} is {size} bytes (> 1 MB)"
    proto = onnx.load(path)
    notes = {}
    if is_sorted(proto):
        onnx.checker.check_model(proto, full_check=True)
    else:
        # kept as written (what users get); the checker sees a sorted copy
        notes["topologically_sorted"] = False
        onnx.checker.check_model(topologically_sorted(proto), full_check=True)
    tol = TOL[precision]
    try:
        errs = ort_errors(path, refs)
    except Exception as e:
        if "RotaryEmbedding" not in str(e):
            raise
        # The opset-23 RotaryEmbedding the onnxscript optimizer fuses in has [1, seq, d/2]
        # caches, which onnxruntime (and the ONNX spec: [batch, seq, d/2]) accepts only at
        # batch 1. Keep the file, check it at batch 1.
        notes["ort_error"] = one_line(e)
        notes["ort_batch1_max_rel_err"] = b1 = ort_errors(path, batch1(refs, wrapper))
        assert max(b1) <= tol, f"ORT vs torch at batch 1: max rel err {max(b1):.3g} > {tol}"
        errs = None
    if errs is not None:
        assert max(errs) <= tol, f"ORT vs torch max rel err {max(errs):.3g} > {tol}"
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    return proto, errs, notes, size, sha


def make_arch(arch, entries, failures):
    print(f"== {arch.name} ({arch.hf_class})", flush=True)
    model, wrapper = build(arch)
    config = model.config
    attn_impl = getattr(config, "_attn_implementation", None)
    shapes = [make_inputs(arch, s, i, config) for i, s in enumerate(arch.shapes)]
    refs = [(inp, torch_reference(wrapper, inp)) for inp in shapes]
    # deterministic references: the same inputs through a freshly built model give the same bits
    _, wrapper2 = build(arch)
    for inp, out in refs:
        assert np.array_equal(torch_reference(wrapper2, inp), out), "torch is not deterministic"
    ablations = {}
    for what, overrides in arch.ablation.items():  # is the feature exercised at these shapes?
        _, plain = build(arch, overrides)
        diffs = [float(np.max(np.abs(torch_reference(plain, inp) - out)) / np.max(np.abs(out)))
                 for inp, out in refs]
        assert min(diffs) > 1e-3, f"{what} ({overrides}) changes the output by only {diffs}"
        ablations[what] = diffs
        print(f"  {what}: output changes by {diffs[0]:.3g} / {diffs[1]:.3g} (rel)")
    npz = {}
    for i, (inp, out) in enumerate(refs):
        for k, v in inp.items():
            npz[f"shape{i}/{k}"] = v
        npz[f"shape{i}/output"] = out
    ref_file = f"{arch.name}.npz"
    np.savez(os.path.join(OUT_DIR, ref_file), **npz)
    example = shapes[0]

    def record(file, exporter, opset, precision, note=""):
        path = os.path.join(OUT_DIR, file)
        proto, errs, notes, size, sha = check_file(path, refs, precision, wrapper)
        d = describe(proto)
        entries.append({
            "name": file[:-len(".onnx")], "file": file, "architecture": arch.name,
            "hf_class": arch.hf_class, "transformers_attn_implementation":
                "eager" if ".ortopt-eager." in file else attn_impl,
            "feature": arch.feature,
            **({"feature_ablation_rel_change": ablations} if ablations else {}),
            "exporter": exporter, "opset": opset,
            "opset_import": d["opset_import"], "precision": precision,
            "inputs": d["inputs"], "outputs": d["outputs"], "reference": ref_file,
            "shapes": [{k: list(v.shape) for k, v in inp.items()} for inp, _ in refs],
            "output_shapes": [list(out.shape) for _, out in refs],
            "tolerance": TOL[precision], "ort_vs_torch_max_rel_err": errs,
            "contrib_ops": d["contrib_ops"], "notable_ops": d["notable_ops"],
            "num_nodes": d["num_nodes"], "op_counts": d["op_counts"],
            "size_bytes": size, "sha256": sha, **notes, **({"note": note} if note else {}),
        })
        shown = (f"{errs[0]:.2g} / {errs[1]:.2g}" if errs else
                 "FAILS at batch > 1 (%s); at batch 1: %.2g / %.2g" % (
                     notes["ort_error"][:60], *notes["ort_batch1_max_rel_err"]))
        print(f"  {file}: {size} B, {d['num_nodes']} nodes, ORT rel err {shown}; "
              f"notable {', '.join(d['notable_ops'])}"
              + ("; not topologically sorted" if "topologically_sorted" in notes else ""),
              flush=True)

    def attempt(file, exporter, opset, precision, make, note=""):
        path = os.path.join(OUT_DIR, file)
        try:
            make(path)
            record(file, exporter, opset, precision, note)
            return True
        except Exception as e:
            if os.path.exists(path):
                os.remove(path)
            msg = one_line(e)
            failures.append({"architecture": arch.name, "hf_class": arch.hf_class, "file": file,
                             "exporter": exporter, "opset": opset, "precision": precision,
                             "error": msg})
            print(f"  FAILED {file}: {msg}", flush=True)
            if os.environ.get("ZOO_TRACEBACK"):
                traceback.print_exc()
            return False

    variants = [(f"dynamo{o}", "dynamo", o,
                 (lambda o: lambda p: export_dynamo(wrapper, arch, example, p, o))(o))
                for o in DYNAMO_OPSETS]
    variants.append((f"ts{TS_OPSET}", "torchscript", TS_OPSET,
                     lambda p: export_torchscript(wrapper, arch, example, p)))
    for tag, exporter, opset, make in variants:
        fp32 = f"{arch.name}.{tag}.fp32.onnx"
        if attempt(fp32, exporter, opset, "fp32", make):
            src = os.path.join(OUT_DIR, fp32)
            attempt(f"{arch.name}.{tag}.fp16.onnx", exporter, opset, "fp16",
                    lambda p, src=src: to_fp16(src, p))
    if arch.ort_type:
        # ORT's fusions match the eager attention spelling, not the SDPA one transformers uses
        # by default: optimize both the default TorchScript export and one of the same model
        # (same weights) switched to attn_implementation="eager".
        eager_ts = os.path.join(OUT_DIR, f".{arch.name}.ts{TS_OPSET}-eager.tmp.onnx")
        try:
            model.config._attn_implementation = "eager"
            export_torchscript(wrapper, arch, example, eager_ts)
        except Exception as e:
            failures.append({"architecture": arch.name, "hf_class": arch.hf_class,
                             "file": f"{arch.name}.ortopt-eager.fp32.onnx",
                             "exporter": "torchscript", "opset": TS_OPSET, "precision": "fp32",
                             "error": one_line(e)})
        finally:
            model.config._attn_implementation = attn_impl
        for tag, ts in (("ortopt", os.path.join(OUT_DIR, f"{arch.name}.ts{TS_OPSET}.fp32.onnx")),
                        ("ortopt-eager", eager_ts)):
            fp32 = f"{arch.name}.{tag}.fp32.onnx"
            if os.path.exists(ts) and attempt(fp32, "ort-optimizer", TS_OPSET, "fp32",
                                              lambda p, ts=ts: ort_optimize(ts, p, arch, config),
                                              note=f"onnxruntime.transformers.optimizer."
                                                   f"optimize_model(model_type='{arch.ort_type}', "
                                                   f"opt_level=0) of the TorchScript opset "
                                                   f"{TS_OPSET} export" +
                                                   (" with attn_implementation='eager'"
                                                    if tag.endswith("eager") else "")):
                src = os.path.join(OUT_DIR, fp32)
                attempt(f"{arch.name}.{tag}.fp16.onnx", "ort-optimizer", TS_OPSET, "fp16",
                        lambda p, src=src: to_fp16(src, p))
        if os.path.exists(eager_ts):
            os.remove(eager_ts)


def main(argv):
    all_archs = archs()
    chosen = [a for a in all_archs if not argv or a.name in argv]
    unknown = set(argv) - {a.name for a in all_archs}
    if unknown:
        print("unknown architectures:", ", ".join(sorted(unknown)), file=sys.stderr)
        return 2
    manifest_path = os.path.join(OUT_DIR, "manifest.json")
    entries, failures = [], []
    if argv and os.path.exists(manifest_path):  # keep the entries of the others
        with open(manifest_path) as f:
            old = json.load(f)
        entries = [e for e in old["models"] if e["architecture"] not in argv]
        failures = [e for e in old["failures"] if e["architecture"] not in argv]
    names = {a.name for a in chosen}
    for f in os.listdir(OUT_DIR):  # stale files of the architectures being regenerated
        if f.endswith(".onnx") and f.split(".")[0] in names:
            os.remove(os.path.join(OUT_DIR, f))
    for arch in chosen:
        make_arch(arch, entries, failures)
    order = {a.name: i for i, a in enumerate(all_archs)}
    entries.sort(key=lambda e: (order[e["architecture"]], e["file"]))
    failures.sort(key=lambda e: (order[e["architecture"]], e["file"]))
    manifest = {
        "generator": "test/models/zoo/make_zoo.py",
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "onnx": onnx.__version__, "onnxscript": __import__("onnxscript").__version__,
                     "onnxruntime": ort.__version__, "numpy": np.__version__},
        "reference_format": "<arch>.npz: shape{0,1}/<input name> (the inputs), "
                            "shape{0,1}/output (torch fp32 output)",
        "error_metric": "max|ort - torch| / max|torch| over the whole output",
        "models": entries,
        "failures": failures,
    }
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(f"{len(entries)} model files, {len(failures)} failures")
    for e in failures:
        print(f"FAILED {e['file']}: {e['error']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
