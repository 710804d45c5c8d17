"""make_models.py ROOT OUT: the models of the GPU benchmark (bench/gpu/bundle.sh), compiled for
the CUDA target. Writes OUT/models/<name>.onnx, OUT/models/<name>.kiln, the kernel report of
each (OUT/models/<name>.kernels.txt) and OUT/manifest.json.

- attention-<dtype>-d<D>[-causal]: the ONNX Attention op (opset 23) on q, k, v [b, H, s, D] of
  the dtype, H = 2048 / D (a hidden size of 2048, as the FlashAttention papers' benchmarks),
  batch and sequence length dynamic: one artifact serves every sequence length of the table.
- matmul-<dtype>: MatMul of a [m, k] and b [k, n], every dim dynamic, both operands inputs (no
  weights travel in the bundle).
- the end-to-end models of bench/gpu/models (export_models.py: torch exports of Hugging Face
  models with every weight a graph input), each with its input names; $KILN_BENCH_E2E (names,
  comma-separated) picks some, "none" none.
"""
import concurrent.futures
import json
import os
import subprocess
import sys

import onnx
from onnx import TensorProto, helper

HIDDEN = 2048
DTYPES = {"fp16": TensorProto.FLOAT16, "bf16": TensorProto.BFLOAT16}
HEAD_DIMS = (64, 128)


def attention_model(dtype, head_dim, causal):
    heads = HIDDEN // head_dim
    shape = ["b", heads, "s", head_dim]
    node = helper.make_node("Attention", ["q", "k", "v"], ["y"], is_causal=int(causal))
    graph = helper.make_graph(
        [node], "attention",
        [helper.make_tensor_value_info(n, DTYPES[dtype], shape) for n in ("q", "k", "v")],
        [helper.make_tensor_value_info("y", DTYPES[dtype], shape)])
    return helper.make_model(graph, ir_version=10, opset_imports=[helper.make_opsetid("", 23)])


def matmul_model(dtype):
    node = helper.make_node("MatMul", ["a", "b"], ["y"])
    graph = helper.make_graph(
        [node], "matmul",
        [helper.make_tensor_value_info("a", DTYPES[dtype], ["m", "k"]),
         helper.make_tensor_value_info("b", DTYPES[dtype], ["k", "n"])],
        [helper.make_tensor_value_info("y", DTYPES[dtype], ["m", "n"])])
    return helper.make_model(graph, ir_version=10, opset_imports=[helper.make_opsetid("", 18)])


def main(root, out):
    kiln_compile = os.path.join(root, "build", "bin", "kiln-compile")
    os.makedirs(os.path.join(out, "models"), exist_ok=True)
    models = []
    for dtype in DTYPES:
        for head_dim in HEAD_DIMS:
            for causal in (False, True):
                name = "attention-%s-d%d%s" % (dtype, head_dim, "-causal" if causal else "")
                models.append((name, attention_model(dtype, head_dim, causal),
                               {"kind": "attention", "dtype": dtype, "head_dim": head_dim,
                                "heads": HIDDEN // head_dim, "causal": causal}))
        models.append(("matmul-" + dtype, matmul_model(dtype), {"kind": "matmul", "dtype": dtype}))
    exported = os.path.join(root, "bench", "gpu", "models")
    chosen = os.environ.get("KILN_BENCH_E2E")
    for name, about in json.load(open(os.path.join(exported, "models.json"))).items():
        if chosen is not None and name not in chosen.split(","):
            continue
        model = onnx.load(os.path.join(exported, name + ".onnx"))
        models.append((name, model, dict(about, kind="e2e",
                                         inputs=[i.name for i in model.graph.input])))
    def compile_one(job):
        name, model, entry = job
        base = os.path.join(out, "models", name)
        onnx.save(model, base + ".onnx")
        report = subprocess.run(
            [kiln_compile, base + ".onnx", "--target=cuda", "--gpu-arch=sm_90",
             "--kernel-report", "-o", base + ".kiln"],
            check=True, capture_output=True, text=True)
        with open(base + ".kernels.txt", "w") as f:
            f.write(report.stdout + report.stderr)
        return dict(entry, name=name)

    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        manifest = list(pool.map(compile_one, models))
    commit = subprocess.run(["git", "-C", root, "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip()
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"kiln": commit, "hidden": HIDDEN, "models": manifest}, f, indent=1)
    print("%d models" % len(manifest))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
