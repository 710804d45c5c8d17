"""bench.py BUNDLE [--device=cuda|cuda-emulator] [--smoke] [--budget=SECONDS] [--results=FILE]

The GPU benchmark of issue #13, run from a bundle made by bench/gpu/bundle.sh:

- attention: TFLOP/s of Kiln's kernel against torch.nn.functional.scaled_dot_product_attention
  with the flash and the cuDNN backends, for seq {512 .. 16k} x head dim {64, 128} x causal
  {no, yes} x {fp16, bf16}; batch x heads fill the GPU (16k tokens a batch, hidden 2048);
- GEMM: TFLOP/s of Kiln's MatMul against torch.matmul (cuBLAS) at the shapes of BERT-base,
  GPT-2 and an 8B LLaMA layer.

Kiln is timed by kiln-run --benchmark --io=device (inputs and outputs in device memory, CUDA
graphs on: the model alone), torch by CUDA events around the same operation, p50 of both.
FLOPs: 4 b H s^2 D for attention (half of it when causal, the FlashAttention convention),
2 m n k for a GEMM. Each point's output is also compared with torch's (or, without torch on a
GPU, with a float64 reference): the relative error of the largest element goes in the table.

--device=cuda-emulator --smoke runs a few small points on the emulated device: it checks the
bundle and the script, not speed (CI: test/python/test_gpu_bench.py). --budget stops starting
new points after that many seconds (default 270: the device check's 5 minutes). --results
appends the tables in Markdown, with date, GPU and Kiln commit (bench/RESULTS.md)."""
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

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
kiln_run = os.path.join(bundle, "bin", "kiln-run")
started = time.monotonic()

try:
    import torch
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel
    have_torch_gpu = device == "cuda" and torch.cuda.is_available()
except ImportError:
    have_torch_gpu = False


def to_bits(array, dtype):
    """An fp32 array as the dtype's .npy for kiln-run (bf16: 2-byte raw values, as onnx saves
    them) and, for torch, as the dtype's values."""
    if dtype == "fp16":
        return array.astype(np.float16)
    bits = array.astype(np.float32).view(np.uint32)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    return rounded.view("V2")


def from_bits(array):
    """A kiln-run output or a to_bits array as float64."""
    if array.dtype == np.dtype("V2"):
        return (array.view(np.uint16).astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    return array.astype(np.float64)


def torch_tensor(array):
    if array.dtype == np.dtype("V2"):
        bits = torch.from_numpy(array.view(np.int16).copy())
        return bits.view(torch.bfloat16).cuda()
    return torch.from_numpy(array).cuda()


def run_kiln(model, inputs, tmp, runs):
    """Kiln's output and its p50 in ms (None when runs is 0)."""
    args = [kiln_run, os.path.join(bundle, "models", model + ".kiln"), "--device=" + device,
            "--io=device", "--quiet"]
    for name, array in inputs.items():
        path = os.path.join(tmp, name + ".npy")
        np.save(path, array)
        args += ["--input", "%s=%s" % (name, path)]
    subprocess.run(args + ["--output-dir", tmp], check=True, capture_output=True, text=True)
    output = from_bits(np.load(os.path.join(tmp, "y.npy")))
    if not runs:
        return output, None
    r = subprocess.run(args + ["--benchmark=%d" % runs], check=True, capture_output=True,
                       text=True)
    return output, float(re.search(r"p50 ([0-9.]+) ms", r.stdout).group(1))


def time_torch(fn, runs):
    """p50 in ms of fn() by CUDA events, after warm-up."""
    for _ in range(3):
        fn()
    times = []
    for _ in range(runs):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return float(np.median(times))


def reference_attention(q, k, v, causal):
    """float64 attention on [b, H, s, D] arrays."""
    scores = np.einsum("bhqd,bhkd->bhqk", q, k) / np.sqrt(q.shape[-1])
    if causal:
        s = q.shape[2]
        scores = np.where(np.tril(np.ones((s, s), bool)), scores, -np.inf)
    scores = np.exp(scores - scores.max(-1, keepdims=True))
    return np.einsum("bhqk,bhkd->bhqd", scores / scores.sum(-1, keepdims=True), v)


def relative_error(got, want):
    return float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))


def attention_point(m, seq, tokens, rng, tmp):
    batch, heads, d = max(1, tokens // seq), m["heads"], m["head_dim"]
    shape = (batch, heads, seq, d)
    arrays = {n: to_bits(rng.standard_normal(shape, dtype=np.float32), m["dtype"])
              for n in ("q", "k", "v")}
    flops = 4.0 * batch * heads * seq * seq * d * (0.5 if m["causal"] else 1.0)
    runs = 2 if device != "cuda" else max(5, min(50, int(2e13 / flops)))
    out, kiln_ms = run_kiln(m["name"], arrays, tmp, runs)
    row = {"kiln": kiln_ms, "flops": flops}
    if have_torch_gpu:
        q, k, v = (torch_tensor(arrays[n]) for n in ("q", "k", "v"))
        for backend, label in ((SDPBackend.FLASH_ATTENTION, "flash"),
                               (SDPBackend.CUDNN_ATTENTION, "cudnn")):
            def fn():
                with sdpa_kernel(backend):
                    return F.scaled_dot_product_attention(q, k, v, is_causal=m["causal"])
            try:
                row[label] = time_torch(fn, runs)
                if label == "flash":
                    want = fn().float().cpu().numpy().astype(np.float64)
            except RuntimeError as e:
                row[label] = "n/a: " + str(e).splitlines()[0][:40]
        if not isinstance(row.get("flash"), float):
            want = reference_attention(*(from_bits(arrays[n]) for n in "qkv"), m["causal"])
    else:
        want = reference_attention(*(from_bits(arrays[n]) for n in "qkv"), m["causal"])
    row["error"] = relative_error(out, want)
    return "%s b%d h%d s%d d%d%s" % (m["dtype"], batch, heads, seq, d,
                                     " causal" if m["causal"] else ""), row


def gemm_point(m, shape, rng, tmp):
    label, rows, inner, cols = shape
    arrays = {"a": to_bits(rng.standard_normal((rows, inner), dtype=np.float32), m["dtype"]),
              "b": to_bits(rng.standard_normal((inner, cols), dtype=np.float32), m["dtype"])}
    flops = 2.0 * rows * inner * cols
    runs = 2 if device != "cuda" else max(10, min(100, int(5e13 / flops)))
    out, kiln_ms = run_kiln(m["name"], arrays, tmp, runs)
    row = {"kiln": kiln_ms, "flops": flops}
    if have_torch_gpu:
        a, b = torch_tensor(arrays["a"]), torch_tensor(arrays["b"])
        row["cublas"] = time_torch(lambda: torch.matmul(a, b), runs)
        want = torch.matmul(a, b).float().cpu().numpy().astype(np.float64)
    else:
        want = from_bits(arrays["a"]) @ from_bits(arrays["b"])
    row["error"] = relative_error(out, want)
    return "%s %s %dx%dx%d" % (m["dtype"], label, rows, inner, cols), row


def tflops(row, key):
    value = row.get(key)
    if not isinstance(value, float):
        return value or "-"
    return "%.1f" % (row["flops"] / value / 1e9)


def ratio(row, key):
    if not isinstance(row.get(key), float) or not isinstance(row.get("kiln"), float):
        return "-"
    return "%.2f" % (row[key] / row["kiln"])


def table(title, points, baselines):
    head = ["point", "kiln ms", "kiln TFLOP/s"] + ["%s TFLOP/s" % b for b in baselines] + \
           ["kiln/%s" % b for b in baselines] + ["rel err"]
    lines = ["### " + title, "", "| " + " | ".join(head) + " |",
             "|" + "---|" * len(head)]
    for name, row in points:
        if row is None:
            cells = [name, "not run (time budget)"] + [""] * (len(head) - 2)
        else:
            kiln_ms = "%.3f" % row["kiln"] if isinstance(row["kiln"], float) else "-"
            cells = [name, kiln_ms, tflops(row, "kiln")] + [tflops(row, b) for b in baselines] + \
                    [ratio(row, b) for b in baselines] + ["%.2g" % row["error"]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def within_budget():
    return time.monotonic() - started < budget


def main():
    rng = np.random.default_rng(0)
    attention, gemm, failed = [], [], 0
    seqs, tokens = (SMOKE_SEQS, SMOKE_TOKENS) if smoke else (SEQS, TOKENS)
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as tmp:
        for m in manifest["models"]:
            if m["kind"] == "matmul":
                for shape in SMOKE_GEMMS if smoke else GEMMS:
                    gemm.append(gemm_point(m, shape, rng, tmp) if within_budget()
                                else ("%s %s" % (m["dtype"], shape[0]), None))
                continue
            for seq in seqs:
                point = (attention_point(m, seq, tokens, rng, tmp) if within_budget() else
                         ("%s s%d d%d%s" % (m["dtype"], seq, m["head_dim"],
                                            " causal" if m["causal"] else ""), None))
                attention.append(point)
    tolerance = {"fp16": 5e-3, "bf16": 1e-2}
    for name, row in attention + gemm:
        if row is not None and row["error"] > tolerance[name.split()[0]]:
            print("MISMATCH: %s: relative error %.3g" % (name, row["error"]))
            failed += 1
    gpu = torch.cuda.get_device_name(0) if have_torch_gpu else device
    baselines = ("flash", "cudnn") if have_torch_gpu else ()
    text = "\n\n".join([
        "## bench/gpu/bench.py: %s UTC; %s; kiln %s%s" % (
            datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"), gpu,
            manifest["kiln"], " (smoke)" if smoke else ""),
        "p50 of kiln-run --benchmark --io=device (CUDA graphs on) and of CUDA events around "
        "torch; attention FLOPs 4 b H s^2 D (half when causal); ratios are baseline time / "
        "Kiln time (above 1: Kiln is faster); rel err: largest |kiln - ref| / largest |ref|, "
        "ref = %s." % ("torch (SDPA flash backend, cuBLAS)" if have_torch_gpu else "float64"),
        table("Attention (hidden 2048, %d tokens a batch)" % tokens, attention, baselines),
        table("GEMM", gemm, ("cublas",) if have_torch_gpu else ()),
        "Wall time %.0f s." % (time.monotonic() - started)])
    print(text)
    if results:
        with open(results, "a") as f:
            f.write("\n" + text + "\n")
    sys.exit(1 if failed else 0)


main()
