"""The end-to-end points of the GPU benchmark (bench/gpu/bench.py): the Hugging Face models of
bench/gpu/models (BERT-base, GPT-2 small, one Llama-3-8B decoder layer; fp16, every weight a
graph input) against torch eager and torch.compile on the same GPU, with the same random
weights and token ids. The model is rebuilt from its config by export_models.build (in the
bundle), so it needs torch and transformers there; without them (the emulated device) only the
artifact's signature is checked."""
import os
import subprocess

import numpy as np

from harness import relative_error, save_inputs, time_torch, torch

# name: the (batch, seq) points
POINTS = {"bert-base": ((1, 128), (8, 128), (1, 384), (8, 384)),
          "gpt2-small": ((1, 1024), (4, 1024)),
          "llama-8b-block": ((1, 2048),)}
TOKEN_INPUTS = ("input_ids", "attention_mask")


def signature_rows(kiln, m):
    """Without a GPU: kiln-run --describe must list the model's inputs."""
    r = subprocess.run([kiln.kiln_run, os.path.join(kiln.bundle, "models", m["name"] + ".kiln"),
                        "--device=" + kiln.device, "--describe"], capture_output=True, text=True)
    missing = [n for n in m["inputs"] if "input  %s:" % n not in r.stdout]
    status = "signature ok (%d inputs)" % len(m["inputs"]) if not r.returncode and not missing \
        else "signature FAILED: %s" % (missing[:3] or r.stderr.strip()[-80:])
    return [("%s b%d s%d" % (m["name"], b, s), {"status": status}) for b, s in POINTS[m["name"]]]


def model_rows(kiln, m, tmp, within_budget):
    """One row per point: Kiln's, torch eager's and torch.compile's p50 and Kiln's error."""
    from export_models import build
    wrapper = build(m["name"], seed=1).half().cuda().eval()
    params = dict(wrapper.named_parameters())
    weights = {}
    for name, (param, transposed) in m["weights"].items():
        value = params[param].detach()
        weights[name] = (value.t() if transposed else value).contiguous().cpu().numpy()
    folder = os.path.join(tmp, m["name"])
    os.makedirs(folder, exist_ok=True)
    weight_files = save_inputs(weights, folder)
    compiled = torch.compile(wrapper, dynamic=True)
    vocab = wrapper.model.config.vocab_size
    rows = []
    for batch, seq in POINTS[m["name"]]:
        name = "%s b%d s%d" % (m["name"], batch, seq)
        if not within_budget():
            rows.append((name, None))
            continue
        generator = torch.Generator().manual_seed(batch * seq)
        ids = torch.randint(0, vocab, (batch, seq), generator=generator)
        mask = torch.ones(batch, seq, dtype=torch.long)
        files = dict(weight_files, **save_inputs({"input_ids": ids.numpy(),
                                                  "attention_mask": mask.numpy()}, tmp))
        out, kiln_ms = kiln.run(m["name"], files, "last_hidden_state", tmp, 20)
        ids, mask = ids.cuda(), mask.cuda()
        with torch.no_grad():
            want = wrapper(ids, mask).float().cpu().numpy().astype(np.float64)
            eager = time_torch(lambda: wrapper(ids, mask), 20)
            try:
                inductor = time_torch(lambda: compiled(ids, mask), 20)
            except Exception as e:  # noqa: BLE001 - a compile failure is a table entry
                inductor = "n/a: " + str(e).splitlines()[0][:40]
        rows.append((name, {"kiln": kiln_ms, "eager": eager, "compile": inductor,
                            "error": relative_error(out, want)}))
    return rows
