"""bench.py BUNDLE [--device=cuda|cuda-emulator] [--smoke] [--budget=SECONDS] [--results=FILE]

The GPU benchmark of issue #13, run from a bundle made by bench/gpu/bundle.sh:

- attention: TFLOP/s of Kiln's kernel against torch.nn.functional.scaled_dot_product_attention
  with the flash and the cuDNN backends, for seq {512 .. 16k} x head dim {64, 128} x causal
  {no, yes} x {fp16, bf16}; batch x heads fill the GPU (16k tokens a batch, hidden 2048);
- GEMM: TFLOP/s of Kiln's MatMul against torch.matmul (cuBLAS) at the shapes of BERT-base,
  GPT-2 and an 8B LLaMA layer;
- end to end (e2e.py): BERT-base, GPT-2 small and a Llama-3-8B layer in fp16 against torch
  eager and torch.compile.

Kiln is timed by kiln-run --benchmark --io=device (inputs and outputs in device memory, CUDA
graphs on: the model alone), torch by CUDA events around the same operation, p50 of both.
FLOPs: 4 b H s^2 D for attention (half of it when causal, the FlashAttention convention),
2 m n k for a GEMM. Each point's output is also compared with torch's (or, without torch on a
GPU, with a float64 reference): the relative error of the largest element goes in the table.

--device=cuda-emulator --smoke runs small attention and GEMM points on the emulated device once
each (no timing) and checks the end-to-end artifacts' signatures: it checks the bundle and the
script, not speed (CI: test/python/test_gpu_bench.py). --budget stops starting new points after that many
seconds (default 270: the device check's 5 minutes). --results appends the tables in
Markdown, with date, GPU and Kiln commit (bench/RESULTS.md). Exit 1 on a mismatch."""
import datetime
import json
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402
from harness import (Kiln, from_bits, relative_error, save_inputs, time_torch, to_bits,  # noqa: E402
                     torch, torch_tensor)

SEQS = (512, 1024, 2048, 4096, 8192, 16384)
TOKENS = 16384
# name, m, k, n: the projections of BERT-base (seq 384, batch 8), GPT-2 small (seq 1024,
# batch 4) and an 8B LLaMA layer (4096 tokens; GQA: k and v are 1024 wide).
GEMMS = (("bert-base qkv", 3072, 768, 2304), ("bert-base ffn up", 3072, 768, 3072),
         ("bert-base ffn down", 3072, 3072, 768), ("gpt2 qkv", 4096, 768, 2304),
         ("gpt2 ffn up", 4096, 768, 3072), ("gpt2 ffn down", 4096, 3072, 768),
         ("llama-8b q/o", 4096, 4096, 4096), ("llama-8b k/v", 4096, 4096, 1024),
         ("llama-8b gate/up", 4096, 4096, 14336), ("llama-8b down", 4096, 14336, 4096))
SMOKE_SEQS, SMOKE_TOKENS = (80,), 80
SMOKE_GEMMS = (("smoke", 100, 72, 130),)
TOLERANCE = {"fp16": 5e-3, "bf16": 1e-2, "e2e": 1e-2}


def option(name, default):
    for a in sys.argv[2:]:
        if a == "--" + name:
            return True
        if a.startswith("--%s=" % name):
            return a.split("=", 1)[1]
    return default


bundle = sys.argv[1]
device = option("device", "cuda")
smoke = option("smoke", False)
budget = float(option("budget", 270))
results = option("results", None)
manifest = json.load(open(os.path.join(bundle, "manifest.json")))
kiln = Kiln(bundle, device)
started = time.monotonic()
have_gpu = torch is not None and device == "cuda" and torch.cuda.is_available()
if have_gpu:
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel


def within_budget():
    return time.monotonic() - started < budget


def reference_attention(q, k, v, causal):
    """float64 attention on [b, H, s, D] arrays."""
    scores = np.einsum("bhqd,bhkd->bhqk", q, k) / np.sqrt(q.shape[-1])
    if causal:
        s = q.shape[2]
        scores = np.where(np.tril(np.ones((s, s), bool)), scores, -np.inf)
    scores = np.exp(scores - scores.max(-1, keepdims=True))
    return np.einsum("bhqk,bhkd->bhqd", scores / scores.sum(-1, keepdims=True), v)


def attention_point(m, seq, tokens, values, tmp):
    """`values`: tokens x 2048 random elements of the dtype per operand, reshaped."""
    batch, heads, d = max(1, tokens // seq), m["heads"], m["head_dim"]
    shape = (batch, heads, seq, d)
    arrays = {n: values[n].reshape(shape) for n in "qkv"}
    flops = 4.0 * batch * heads * seq * seq * d * (0.5 if m["causal"] else 1.0)
    runs = 0 if device != "cuda" else max(5, min(50, int(2e13 / flops)))
    out, kiln_ms = kiln.run(m["name"], save_inputs(arrays, tmp), "y", tmp, runs)
    row = {"kiln": kiln_ms, "flops": flops}
    want = None
    if have_gpu:
        q, k, v = (torch_tensor(arrays[n]) for n in "qkv")
        for backend, label in ((SDPBackend.FLASH_ATTENTION, "flash"),
                               (SDPBackend.CUDNN_ATTENTION, "cudnn")):
            def fn():
                with sdpa_kernel(backend):
                    return F.scaled_dot_product_attention(q, k, v, is_causal=m["causal"])
            try:
                row[label] = time_torch(fn, runs)
                if want is None:
                    want = fn().float().cpu().numpy().astype(np.float64)
            except RuntimeError as e:
                row[label] = "n/a: " + str(e).splitlines()[0][:40]
    if want is None:
        want = reference_attention(*(from_bits(arrays[n]) for n in "qkv"), m["causal"])
    row["error"] = relative_error(out, want)
    return row


def gemm_point(m, shape, rng, tmp):
    _, rows, inner, cols = shape
    arrays = {"a": to_bits(rng.standard_normal((rows, inner), dtype=np.float32), m["dtype"]),
              "b": to_bits(rng.standard_normal((inner, cols), dtype=np.float32), m["dtype"])}
    flops = 2.0 * rows * inner * cols
    runs = 0 if device != "cuda" else max(10, min(100, int(5e13 / flops)))
    out, kiln_ms = kiln.run(m["name"], save_inputs(arrays, tmp), "y", tmp, runs)
    row = {"kiln": kiln_ms, "flops": flops}
    if have_gpu:
        a, b = torch_tensor(arrays["a"]), torch_tensor(arrays["b"])
        row["cublas"] = time_torch(lambda: torch.matmul(a, b), runs)
        want = torch.matmul(a, b).float().cpu().numpy().astype(np.float64)
    else:
        want = from_bits(arrays["a"]) @ from_bits(arrays["b"])
    row["error"] = relative_error(out, want)
    return row


def run_points(tmp):
    """{section: [(point name, row or None when not run)]}."""
    rng = np.random.default_rng(0)
    seqs, tokens = (SMOKE_SEQS, SMOKE_TOKENS) if smoke else (SEQS, TOKENS)
    points = {"attention": [], "gemm": [], "e2e": []}
    values = {}
    for m in manifest["models"]:
        if m["kind"] == "attention":
            if m["dtype"] not in values:
                values[m["dtype"]] = {n: to_bits(rng.standard_normal(tokens * manifest["hidden"],
                                                                     dtype=np.float32), m["dtype"])
                                      for n in "qkv"}
            for seq in seqs:
                name = "%s b%d h%d s%d d%d%s" % (m["dtype"], max(1, tokens // seq), m["heads"], seq,
                                                 m["head_dim"], " causal" if m["causal"] else "")
                points["attention"].append((name, attention_point(m, seq, tokens,
                                                                  values[m["dtype"]], tmp)
                                            if within_budget() else None))
        elif m["kind"] == "matmul":
            for shape in SMOKE_GEMMS if smoke else GEMMS:
                name = "%s %s %dx%dx%d" % ((m["dtype"],) + shape)
                points["gemm"].append((name, gemm_point(m, shape, rng, tmp)
                                       if within_budget() else None))
        elif have_gpu:
            points["e2e"] += e2e.model_rows(kiln, m, tmp, within_budget)
        else:
            points["e2e"] += e2e.signature_rows(kiln, m)
    return points


def tflops(row, key):
    value = row.get(key)
    return "%.1f" % (row["flops"] / value / 1e9) if isinstance(value, float) else (value or "-")


def ms(row, key):
    value = row.get(key)
    return "%.3f" % value if isinstance(value, float) else (value or "-")


def ratio(row, key):
    """Baseline time / Kiln time: above 1, Kiln is faster."""
    if not isinstance(row.get(key), float) or not isinstance(row.get("kiln"), float):
        return "-"
    return "%.2f" % (row[key] / row["kiln"])


def table(title, points, columns):
    """A Markdown table: columns are (header, cell(row))."""
    heads = ["point"] + [h for h, _ in columns]
    lines = ["### " + title, "", "| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    for name, row in points:
        if row is None:
            cells = ["not run (time budget)"] + [""] * (len(columns) - 1)
        elif "status" in row:
            cells = [row["status"]] + [""] * (len(columns) - 1)
        else:
            cells = [cell(row) for _, cell in columns]
        lines.append("| " + " | ".join([name] + cells) + " |")
    return "\n".join(lines)


def main():
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as tmp:
        points = run_points(tmp)
    failed = 0
    for section, rows in points.items():
        for name, row in rows:
            kind = "e2e" if section == "e2e" else name.split()[0]
            bad = row is not None and ("error" in row and row["error"] > TOLERANCE[kind] or
                                       "FAILED" in row.get("status", ""))
            if bad:
                print("MISMATCH: %s: %s" % (name, row))
                failed += 1
    error = [("rel err", lambda r: "%.2g" % r["error"])]
    kiln_cols = [("kiln ms", lambda r: ms(r, "kiln")), ("kiln TFLOP/s", lambda r: tflops(r, "kiln"))]
    sdpa = [("flash TFLOP/s", lambda r: tflops(r, "flash")),
            ("cuDNN TFLOP/s", lambda r: tflops(r, "cudnn")),
            ("flash/kiln", lambda r: ratio(r, "flash")), ("cuDNN/kiln", lambda r: ratio(r, "cudnn"))]
    cublas = [("cuBLAS TFLOP/s", lambda r: tflops(r, "cublas")),
              ("cuBLAS/kiln", lambda r: ratio(r, "cublas"))]
    models = [("kiln ms", lambda r: ms(r, "kiln")), ("eager ms", lambda r: ms(r, "eager")),
              ("torch.compile ms", lambda r: ms(r, "compile")),
              ("eager/kiln", lambda r: ratio(r, "eager")),
              ("compile/kiln", lambda r: ratio(r, "compile"))]
    gpu = torch.cuda.get_device_name(0) if have_gpu else device
    text = "\n\n".join([
        "## bench/gpu/bench.py: %s UTC; %s; kiln %s%s" % (
            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"), gpu,
            manifest["kiln"], " (smoke)" if smoke else ""),
        "p50 of kiln-run --benchmark --io=device (CUDA graphs on) and of CUDA events around "
        "torch; attention FLOPs 4 b H s^2 D (half when causal); ratios are baseline time / "
        "Kiln time (above 1: Kiln is faster; targets: attention >= 1.0 x flash, GEMM >= 0.9 x "
        "cuBLAS, end to end compile/kiln >= 1.43); rel err: largest |kiln - ref| / largest "
        "|ref|, ref = %s." % ("torch (SDPA, cuBLAS, eager)" if have_gpu else "float64"),
        table("Attention (hidden 2048, %d tokens a batch)" % (SMOKE_TOKENS if smoke else TOKENS),
              points["attention"], kiln_cols + (sdpa if have_gpu else []) + error),
        table("GEMM", points["gemm"], kiln_cols + (cublas if have_gpu else []) + error),
        table("End to end (fp16, batch b, seq s; torch.compile with dynamic shapes)",
              points["e2e"], models + error),
        "Wall time %.0f s." % (time.monotonic() - started)])
    print(text)
    if results:
        with open(results, "a") as f:
            f.write("\n" + text + "\n")
    sys.exit(1 if failed else 0)


main()
