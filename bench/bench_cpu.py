#!/usr/bin/env python3
"""Kiln's CPU artifacts against onnxruntime, same inputs, same thread count, one run.

For every committed test model and for a BERT-base-size encoder generated here (12 layers,
hidden 768, seq 128, batch 1 and 8; bench/bert_graph.py): compile with kiln-compile, time
kiln-run --benchmark on .npy inputs, time onnxruntime (intra-op threads = the same count,
default graph optimisations) on the same inputs, check the outputs agree, and print the
latency ratio. Appends a table with the date and machine to bench/RESULTS.md.

  bench/bench_cpu.py [--threads N] [--runs N] [--quick] [--no-record]
"""
import argparse
import datetime
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "scripts"))
sys.path.insert(0, HERE)
from bert_graph import make_bert  # noqa: E402
from kiln_artifact import compile_model, graph_io_names, run_artifact  # noqa: E402

MODELS = os.path.join(ROOT, "test", "models")


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown cpu"


def inputs_for(model_path, shape, seed=0):
    model = onnx.load(model_path, load_external_data=False)
    rng = np.random.default_rng(seed)
    names, _ = graph_io_names(model_path)
    feeds = {}
    for value in model.graph.input:
        if value.name not in names:
            continue
        t = value.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else shape.get(d.dim_param, 1)
                for d in t.shape.dim]
        dtype = onnx.helper.tensor_dtype_to_np_dtype(t.elem_type)
        if value.name == "attention_mask":
            feeds[value.name] = np.ones(dims, dtype)
        elif np.issubdtype(dtype, np.integer):
            feeds[value.name] = rng.integers(0, 50, size=dims).astype(dtype)
        else:
            feeds[value.name] = rng.standard_normal(dims).astype(dtype)
    return feeds


def time_ort(path, feeds, threads, runs):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    outputs = session.run(None, feeds)
    for _ in range(max(3, runs // 10)):
        session.run(None, feeds)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        session.run(None, feeds)
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times)), outputs


def time_kiln(artifact, feeds, output_names, threads, runs):
    outputs, log = run_artifact(artifact, feeds, output_names, threads=threads,
                                extra=["--benchmark=%d" % runs])
    line = [l for l in log.splitlines() if l.startswith("benchmark:")][-1]
    p50 = float(line.split("p50 ")[1].split(" ms")[0])
    return p50, outputs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--quick", action="store_true", help="BERT-base batch 1 only, no test models")
    ap.add_argument("--no-record", action="store_true", help="do not append to bench/RESULTS.md")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cases = []
        if not args.quick:
            for name, shape in [("bert_tiny", {"batch": 8, "seq": 64}),
                                ("bert_tiny_dynamo", {"batch": 8, "seq": 64}),
                                ("gpt2_tiny", {"batch": 8, "seq": 64}),
                                ("llama_tiny", {"batch": 8, "seq": 64}),
                                ("vit_tiny", {"batch": 8})]:
                cases.append((name, os.path.join(MODELS, name + ".onnx"), shape))
        bert = os.path.join(tmp, "bert_base.onnx")
        print("generating BERT-base (12 layers, hidden 768) ...", flush=True)
        onnx.save(make_bert(), bert, save_as_external_data=True, location="bert_base.weights")
        for batch in ([1] if args.quick else [1, 8]):
            cases.append(("bert_base", bert, {"batch": batch, "seq": 128}))
        compiled = {}
        for name, path, shape in cases:
            if path not in compiled:
                compiled[path] = os.path.join(tmp, name + ".kiln")
                start = time.perf_counter()
                compile_model(path, compiled[path])
                print("compiled %s in %.1f s" % (name, time.perf_counter() - start), flush=True)
            feeds = inputs_for(path, shape)
            _, output_names = graph_io_names(path)
            kiln_ms, got = time_kiln(compiled[path], feeds, output_names, args.threads, args.runs)
            ort_ms, want = time_ort(path, feeds, args.threads, args.runs)
            error = max(float(np.abs(g.astype(np.float64) - w).max() / max(np.abs(w).max(), 1e-30))
                        for g, w in zip(got, want))
            label = "%s %s" % (name, " ".join("%s=%d" % kv for kv in shape.items()))
            rows.append((label, kiln_ms, ort_ms, kiln_ms / ort_ms, error))
            print("%-36s kiln %9.3f ms   onnxruntime %9.3f ms   ratio %5.2fx   max rel err %.1e"
                  % rows[-1], flush=True)
    if not args.no_record:
        with open(os.path.join(HERE, "RESULTS.md"), "a") as f:
            f.write("\n## CPU: kiln-run vs onnxruntime %s, %s\n\n" % (
                ort.__version__, datetime.date.today().isoformat()))
            f.write("Machine: %s, %d cores visible; threads %d; p50 of %d runs after warm-up; "
                    "bench/bench_cpu.py.\n\n" % (cpu_name(), os.cpu_count() or 0, args.threads,
                                                 args.runs))
            f.write("| model and shape | kiln p50 (ms) | onnxruntime p50 (ms) | kiln / ort | max rel err |\n")
            f.write("|---|---:|---:|---:|---:|\n")
            for r in rows:
                f.write("| %s | %.3f | %.3f | %.2f | %.1e |\n" % r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
