"""check.py BUNDLE [--device=cuda|cuda-emulator]: runs every model of a device-check bundle on
CUDA device 0 (or, to check the bundle itself, the emulated device) with kiln-run,
compares its outputs with the references (max |kiln - ref| / max |ref| within the model's
tolerance), with inputs and outputs in host memory and in device memory (--io=device), and
times it both ways (kiln-run --benchmark; CUDA graphs on, kiln-run's default); then runs
kiln-generate on the decoders (greedy tokens must equal torch's generate; tokens/s for prefill
and decode), and prints one table. Exit 1 on any mismatch
or failure. Needs Python with numpy and the NVIDIA driver."""
import json
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

bundle = sys.argv[1]
device = next((a.split("=", 1)[1] for a in sys.argv[2:] if a.startswith("--device=")), "cuda")
kiln_run = os.path.join(bundle, "bin", "kiln-run")
models = json.load(open(os.path.join(bundle, "manifest.json")))["models"]
rows, bad = [], 0


def worst_error(args, m):
    """The run's worst relative error over the model's outputs, or the failure's last line."""
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run(args + ["--output-dir", tmp], capture_output=True, text=True)
        if r.returncode:
            return None, r.stderr.strip().splitlines()[-1][:90]
        worst = 0.0
        for name, path in m["references"].items():
            want = np.load(os.path.join(bundle, path)).astype(np.float64)
            got = np.load(os.path.join(tmp, name.replace("/", "_") + ".npy")).astype(np.float64)
            scale = max(float(np.abs(want).max(initial=0.0)), 1e-30)
            worst = max(worst, float(np.abs(got - want).max(initial=0.0)) / scale)
        return worst, None


def p50(args):
    b = subprocess.run(args + ["--benchmark=%d" % (50 if device == "cuda" else 2)],
                       capture_output=True, text=True)
    found = re.search(r"p50 ([0-9.]+ ms)", b.stdout + b.stderr)
    return found.group(1) if found else "?"


for m in models:
    artifact = os.path.join(bundle, "models", m["name"] + ".kiln")
    args = [kiln_run, artifact, "--device=" + device, "--quiet"]
    for name, path in m["inputs"].items():
        args += ["--input", "%s=%s" % (name, os.path.join(bundle, path))]
    on_device = args + ["--io=device"]
    worst, failure = 0.0, None
    for variant in (args, on_device):
        error, failure = worst_error(variant, m)
        if failure:
            break
        worst = max(worst, error)
    if failure:
        rows.append((m["name"], "FAIL", failure, "", "", ""))
        bad += 1
        continue
    ok = worst <= m["tolerance"]
    bad += not ok
    rows.append((m["name"], "ok" if ok else "MISMATCH", "%.2g" % worst, "%g" % m["tolerance"],
                 p50(args), p50(on_device)))
kiln_generate = os.path.join(bundle, "bin", "kiln-generate")
for g in json.load(open(os.path.join(bundle, "manifest.json"))).get("generation", []):
    r = subprocess.run([kiln_generate, os.path.join(bundle, "models", g["name"] + ".kiln"),
                        "--device=" + device, "--max-new-tokens=%d" % len(g["greedy"]),
                        "--prompt-ids=" + ",".join(str(t) for t in g["prompt"])],
                       capture_output=True, text=True)
    lines = r.stdout.splitlines()
    if r.returncode or len(lines) < 2:
        rows.append((g["name"], "FAIL", (r.stderr.strip().splitlines() or ["?"])[-1][:90], "",
                     "", ""))
        bad += 1
        continue
    same = [int(t) for t in lines[0].split()] == g["greedy"]
    bad += not same
    speed = re.findall(r"\(([0-9.]+) tokens/s\)", lines[1])
    rows.append((g["name"], "ok" if same else "MISMATCH", "ids " + ("=" if same else "!=") +
                 " torch", "exact", "prefill %s tok/s" % speed[0] if speed else "?",
                 "decode %s tok/s" % speed[1] if len(speed) > 1 else "?"))
row_format = "%-28s %-8s %-10s %-8s %-14s %s"
print(row_format % ("model", "result", "rel err", "tol", "p50 host io", "p50 device io"))
for row in rows:
    print(row_format % row)
print("%d models on %s, %d failed" % (len(rows), device, bad))
sys.exit(1 if bad else 0)
