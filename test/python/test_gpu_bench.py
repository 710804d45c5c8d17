"""The GPU benchmark's bundle (bench/gpu/bundle.sh, issue #13) on the emulated device: the bundle
builds, its kernel reports put every attention and GEMM on the tensor cores (mma.sync) without
spills, and bench.py --smoke runs each attention and GEMM model on the emulated device, checks
its output against a float64 reference (fp16 5e-3, bf16 1e-2) and prints the tables that a GPU
run appends to bench/RESULTS.md. Of the end-to-end models only the Llama-3-8B layer is built
here (BERT-base and GPT-2 take 80 and 60 s to compile), and its signature checked: running
it needs torch on a GPU. Speed is not measured here: that takes a GPU."""
import json
import os
import re
import subprocess

import pytest

from kiln_testing import ROOT


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("bench-gpu") / "bundle")
    subprocess.run(["bash", os.path.join(ROOT, "bench", "gpu", "bundle.sh"), out], check=True,
                   capture_output=True, text=True,
                   env=dict(os.environ, KILN_BENCH_E2E="llama-8b-block"))
    return out


def test_kernels_run_on_the_tensor_cores(bundle):
    models = json.load(open(os.path.join(bundle, "manifest.json")))["models"]
    assert len(models) == 11
    for m in models:
        report = open(os.path.join(bundle, "models", m["name"] + ".kernels.txt")).read()
        op = {"attention": "(Attention)", "matmul": "(MatMul)", "e2e": "(Softmax)"}[m["kind"]]
        lines = [line for line in report.splitlines() if op in line]
        assert lines, report
        want = "flash attention, mma.sync" if m["kind"] == "attention" else "mma.sync"
        assert all(want in line for line in lines), report
        spills = re.findall(r"^kiln_kernel_\d+\s+sm_\d+\s+\d+\s+\d+\s+\d+\s+(\d+)\s", report, re.M)
        assert spills and all(s == "0" for s in spills), report


def test_smoke_run_on_the_emulated_device(bundle, tmp_path):
    results = tmp_path / "RESULTS.md"
    r = subprocess.run([os.path.join(bundle, "run.sh"), "--device=cuda-emulator", "--smoke",
                        "--results=%s" % results, "--budget=600"],
                       capture_output=True, text=True, timeout=900,
                       env=dict(os.environ, PYTHON=os.path.join(ROOT, ".venv", "bin", "python")))
    assert r.returncode == 0, r.stdout + r.stderr
    text = results.read_text()
    assert "MISMATCH" not in r.stdout and "not run" not in text, text
    rows = [line for line in text.splitlines() if line.startswith("| fp16") or
            line.startswith("| bf16")]
    assert len(rows) == 8 + 2, text
    for row in rows:
        error = float(row.rstrip(" |").rsplit("|", 1)[1])
        assert error <= (5e-3 if row.startswith("| fp16") else 1e-2), row
    assert "| llama-8b-block b1 s2048 | signature ok (%d inputs) |" % 13 in text, text
