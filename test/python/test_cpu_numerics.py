"""Numerics of compiled artifacts against onnxruntime, for both targets.

Every committed test model is compiled once per target, all in parallel up front (kiln-compile
-o MODEL.kiln; for CUDA --target=cuda, run on the emulated device) and run with kiln-run on seeded random inputs at
two dynamic shapes; the outputs must match onnxruntime's with a max relative error of 1e-4
(fp32). The second shape reuses the artifact: dynamic dims are compiled symbolically, never
re-specialised.
"""
import concurrent.futures
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest

from kiln_testing import ROOT

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from kiln_artifact import compile_model, graph_io_names, run_artifact  # noqa: E402

MODELS = os.path.join(ROOT, "test", "models")
MAX_REL_ERROR = 1e-4

CASES = [
    ("bert_tiny", {"input_ids": (2, 8), "attention_mask": (2, 8)}),
    ("bert_tiny", {"input_ids": (3, 13), "attention_mask": (3, 13)}),
    ("bert_tiny_dynamo", {"input_ids": (2, 8), "attention_mask": (2, 8)}),
    ("bert_tiny_dynamo", {"input_ids": (3, 13), "attention_mask": (3, 13)}),
    ("gpt2_tiny", {"input_ids": (2, 8)}),
    ("gpt2_tiny", {"input_ids": (3, 13)}),
    ("llama_tiny", {"input_ids": (2, 8)}),
    ("llama_tiny", {"input_ids": (3, 13)}),
    ("llama_sdpa_dynamo", {"input_ids": (2, 8)}),
    ("llama_sdpa_dynamo", {"input_ids": (3, 13)}),
    ("llama_opset23", {"input_ids": (2, 8)}),
    ("llama_opset23", {"input_ids": (3, 13)}),
    ("mha_torchscript", {"input_ids": (3, 7)}),
    ("mha_dynamo", {"input_ids": (2, 8)}),
    ("mha_dynamo", {"input_ids": (3, 13)}),
    ("vit_tiny", {"pixel_values": (1, 3, 32, 32)}),
    ("vit_tiny", {"pixel_values": (5, 3, 32, 32)}),
]


def make_inputs(model, shapes, seed=0):
    rng = np.random.default_rng(seed)
    inputs = {}
    for value in model.graph.input:
        dtype = onnx.helper.tensor_dtype_to_np_dtype(value.type.tensor_type.elem_type)
        shape = shapes[value.name]
        if value.name == "attention_mask":
            mask = np.ones(shape, dtype)
            mask[0, -2:] = 0  # padding in the first sequence
            inputs[value.name] = mask
        elif np.issubdtype(dtype, np.integer):
            inputs[value.name] = rng.integers(0, 50, size=shape).astype(dtype)
        else:
            inputs[value.name] = rng.standard_normal(shape).astype(dtype)
    return inputs


# How each target compiles and runs: (kiln-compile flags, kiln-run flags).
TARGETS = {"cpu": ([], []), "cuda": (["--target=cuda"], ["--device=cuda-emulator"])}


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    """{(name, target): (artifact, None) or (None, why it did not compile)}: each model
    compiled once per target for all its shapes, all of them in parallel up front."""
    folder = tmp_path_factory.mktemp("artifacts")
    jobs = sorted({(name, target) for name, _ in CASES for target in TARGETS})

    def build(job):
        name, target = job
        artifact = str(folder / ("%s.%s.kiln" % job))
        try:
            compile_model(os.path.join(MODELS, name + ".onnx"), artifact, TARGETS[target][0])
        except Exception as e:  # reported by each test of the model
            return None, str(e)
        return artifact, None
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        return dict(zip(jobs, pool.map(build, jobs)))


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("name,shapes", CASES,
                         ids=["%s-%s" % (n, "x".join(map(str, list(s.values())[0]))) for n, s in CASES])
def test_matches_onnxruntime(name, shapes, target, artifacts):
    path = os.path.join(MODELS, name + ".onnx")
    model = onnx.load(path)
    inputs = make_inputs(model, shapes)
    session = ort.SessionOptions()
    session.intra_op_num_threads = 1
    expected = ort.InferenceSession(path, session).run(None, inputs)

    _, output_names = graph_io_names(path)
    artifact, error = artifacts[name, target]
    if error:
        pytest.fail(error)
    outputs, _ = run_artifact(artifact, inputs, output_names, threads=2,
                              extra=TARGETS[target][1])
    for got, want in zip(outputs, expected):
        assert got.shape == want.shape and got.dtype == want.dtype
        error = np.abs(got - want).max() / max(np.abs(want).max(), 1e-30)
        assert error <= MAX_REL_ERROR, "max relative error %g" % error
