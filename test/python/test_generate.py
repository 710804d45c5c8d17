"""kiln-generate (issue #14): Hugging Face decoders exported with their KV cache
(test/models/decoders: LLaMA and Qwen2 with GQA, GPT-2; torch's TorchScript and dynamo
exporters), compiled for the CPU target and (the TorchScript exports) for the CUDA target, run on
the emulated device. Greedy decoding of 32
tokens must give torch's `generate` ids exactly; every step's logits must match onnxruntime
running the same ONNX model on the same tokens (teacher forcing, its present tensors fed back
as past) within 1e-4 of the largest logit. Sampling is seeded (same seed, same tokens), keeps
to the top-k and top-p sets of each step's logits, and stops at a stop id. A model without a
cache, and bad arguments, are refused with exit 2 and a message."""
import concurrent.futures
import os
import subprocess

import numpy as np
import onnxruntime as ort
import pytest

from kiln_testing import ROOT, tool

DECODERS = os.path.join(ROOT, "test", "models", "decoders")
REFS = np.load(os.path.join(DECODERS, "decoders.npz"))
MODELS = ["llama_gqa", "qwen2", "gpt2"]
TARGETS = {"cpu": [], "cuda": ["--target=cuda", "--gpu-arch=sm_80"]}
# (exporter, target): both exporters on the CPU, the TorchScript exports on the emulated device.
CASES = [("ts17", "cpu"), ("ts17", "cuda"), ("dynamo18", "cpu")]
MAX_REL_ERROR = 1e-4


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    out = tmp_path_factory.mktemp("decoders")

    def compile_one(key):
        name, exporter, target = key
        path = str(out / ("%s.%s.%s.kiln" % key))
        subprocess.run([tool("kiln-compile"),
                        os.path.join(DECODERS, "%s.%s.onnx" % (name, exporter)), "-o", path]
                       + TARGETS[target], check=True, capture_output=True, text=True)
        return key, path

    keys = [(name,) + case for name in MODELS for case in CASES]
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        return dict(pool.map(compile_one, keys))


def generate(artifact, target, *args, dump=None):
    device = ["--device=cuda-emulator"] if target == "cuda" else []
    extra = ["--dump-logits=%s" % dump] if dump else []
    r = subprocess.run([tool("kiln-generate"), artifact] + device + extra + list(args),
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    return [int(t) for t in lines[0].split()], lines[1:]


def onnxruntime_logits(name, exporter, tokens):
    """The last logits row of every step, prompt first, then each token of `tokens` but the
    last, the cache carried from step to step ([batch, heads, past, head dim], empty first)."""
    session = ort.InferenceSession(os.path.join(DECODERS, "%s.%s.onnx" % (name, exporter)),
                                   providers=["CPUExecutionProvider"])
    past = {i.name: np.zeros((1, i.shape[1], 0, i.shape[3]), np.float32)
            for i in session.get_inputs() if i.name.startswith("past")}
    outputs = [o.name for o in session.get_outputs()]
    rows, done = [], 0
    prompt = list(REFS[name + "/prompt"])
    for step in [prompt] + [[t] for t in tokens[:-1]]:
        feeds = {"input_ids": np.array([step], np.int64),
                 "attention_mask": np.ones((1, done + len(step)), np.int64),
                 "position_ids": np.arange(done, done + len(step), dtype=np.int64)[None]}
        results = dict(zip(outputs, session.run(None, dict(feeds, **past))))
        past = {n: results["present" + n[len("past"):]] for n in past}
        rows.append(results["logits"][0, -1])
        done += len(step)
    return rows


@pytest.mark.parametrize("exporter, target", CASES)
@pytest.mark.parametrize("name", MODELS)
def test_greedy_matches_torch_and_onnxruntime(artifacts, name, exporter, target, tmp_path):
    prompt = ",".join(str(t) for t in REFS[name + "/prompt"])
    tokens, report = generate(artifacts[(name, exporter, target)], target,
                              "--prompt-ids=" + prompt, "--max-new-tokens=32", dump=str(tmp_path))
    assert tokens == list(REFS[name + "/greedy"]), "kiln %s, torch %s" % (
        tokens, list(REFS[name + "/greedy"]))
    assert report and report[0].startswith("prefill: 7 tokens in ") and \
        "decode: 31 tokens in " in report[0], report
    want = onnxruntime_logits(name, exporter, tokens)
    for i, expected in enumerate(want):
        got = np.load(str(tmp_path / ("step_%d.npy" % i)))
        error = float(np.abs(got - expected).max() / np.abs(expected).max())
        assert error <= MAX_REL_ERROR, "step %d: logits vs onnxruntime %g" % (i, error)


def test_sampling_is_seeded_and_keeps_to_top_k_and_top_p(artifacts, tmp_path):
    artifact = artifacts[("llama_gqa", "ts17", "cpu")]
    args = ["--prompt-ids=7,42,3", "--max-new-tokens=24", "--temperature=1.5", "--top-k=20",
            "--top-p=0.8"]
    first, _ = generate(artifact, "cpu", *args, "--seed=3", dump=str(tmp_path))
    again, _ = generate(artifact, "cpu", *args, "--seed=3")
    other, _ = generate(artifact, "cpu", *args, "--seed=4")
    greedy, _ = generate(artifact, "cpu", "--prompt-ids=7,42,3", "--max-new-tokens=24")
    assert first == again and first != other and first != greedy
    for i, token in enumerate(first):
        logits = np.load(str(tmp_path / ("step_%d.npy" % i))).astype(np.float64)
        order = np.argsort(-logits, kind="stable")
        assert token in order[:20], "step %d: %d is not among the top 20" % (i, token)
        p = np.exp((logits - logits.max()) / 1.5)
        p = p[order[:20]] / p[order[:20]].sum()
        nucleus = order[:int(np.searchsorted(np.cumsum(p), 0.8) + 1)]
        assert token in nucleus, "step %d: %d is outside the top-p set %s" % (i, token, nucleus)


def test_stops_at_a_stop_id(artifacts):
    greedy = list(REFS["llama_gqa/greedy"])
    prompt = ",".join(str(t) for t in REFS["llama_gqa/prompt"])
    tokens, _ = generate(artifacts[("llama_gqa", "ts17", "cpu")], "cpu", "--prompt-ids=" + prompt,
                         "--stop-ids=999,%d" % greedy[4])
    assert tokens == greedy[:5]


@pytest.mark.parametrize("args, message", [
    (["--max-new-tokens=4"], "--prompt-ids is required"),
    (["--prompt-ids=1,x"], "--prompt-ids: 'x' is not a number"),
    (["--prompt-ids=1", "--top-p=0"], "--top-p: '0' is not a number in"),
    (["--prompt-ids=1", "--bogus"], "unknown option '--bogus'"),
])
def test_bad_arguments_exit_2(artifacts, args, message):
    r = subprocess.run([tool("kiln-generate"), artifacts[("gpt2", "ts17", "cpu")]] + args,
                       capture_output=True, text=True)
    assert r.returncode == 2 and message in r.stderr, r.stderr


def test_a_model_without_a_cache_is_refused(tmp_path):
    artifact = str(tmp_path / "bert.kiln")
    subprocess.run([tool("kiln-compile"), os.path.join(ROOT, "test", "models", "bert_tiny.onnx"),
                    "-o", artifact], check=True)
    r = subprocess.run([tool("kiln-generate"), artifact, "--prompt-ids=1,2"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "kiln-generate:" in r.stderr, r.stderr
    assert not r.stdout
