"""export_models.py OUT_DIR: the end-to-end models of the GPU benchmark, as Hugging Face
transformers exports written by torch's TorchScript exporter (opset 17), then with every weight
turned from an initializer into a graph input, so that no weight travels in the bundle: the GPU
machine builds the same model from the same config with its own random weights and feeds them
in. The exporter names some weights after the parameter and stores others transposed under a
name of its own (onnx::MatMul_411, a Linear's weight): each input's parameter, and whether it is
transposed, is found by value (the random weights are all distinct) and recorded in
models.json. The fp32 export is converted to fp16 (inputs and outputs included) by
onnxruntime's float16 converter, as the zoo's fp16 models are (test/models/zoo/README.md).

Run once with torch and transformers (any Python that has them); the .onnx files are
committed in bench/gpu/models/ (graphs only, a few hundred KB each) with models.json, which
bench.py reads to rebuild each model on the GPU machine. Made with torch 2.15.0, transformers
5.25.0, onnxruntime 1.32.0.
"""
import json
import os
import subprocess
import sys

import torch
from torch import nn

# name: (HF model class, config class, config kwargs)
MODELS = {
    "bert-base": ("BertModel", "BertConfig", {}),
    "gpt2-small": ("GPT2Model", "GPT2Config", {}),
    # One decoder layer of Llama 3 8B (hidden 4096, 32 query heads over 8 KV heads, MLP
    # 14336), with a small vocabulary: the embedding is a gather, not what is measured.
    "llama-8b-block": ("LlamaModel", "LlamaConfig",
                       {"hidden_size": 4096, "intermediate_size": 14336,
                        "num_attention_heads": 32, "num_key_value_heads": 8,
                        "num_hidden_layers": 1, "vocab_size": 1024,
                        "max_position_embeddings": 8192, "rope_theta": 500000.0}),
}


class Wrapper(nn.Module):
    """input_ids and attention_mask in, last_hidden_state out."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids=input_ids, attention_mask=attention_mask, use_cache=False,
                          return_dict=True).last_hidden_state


def build(name, seed=0):
    """The wrapped model with seeded random weights (no two parameters equal: the exporter
    would merge equal ones into one input)."""
    import transformers
    model_class, config_class, kwargs = MODELS[name]
    config = getattr(transformers, config_class)(**kwargs)
    config._attn_implementation = "sdpa"
    extra = {"add_pooling_layer": False} if model_class == "BertModel" else {}
    wrapper = Wrapper(getattr(transformers, model_class)(config, **extra)).eval()
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in wrapper.parameters():
            p.copy_(torch.randn(p.shape, generator=generator) * 0.02)
    return wrapper


def weights_as_inputs(path, wrapper):
    """Moves each initializer that holds a parameter (or its transpose) to the graph inputs;
    returns {input name: [parameter name, transposed]}."""
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper
    model = onnx.load(path)
    params = {n: p.detach().numpy() for n, p in wrapper.named_parameters()}
    by_shape = {}
    for n, p in params.items():
        by_shape.setdefault(p.shape, []).append((n, False))
        if p.ndim == 2:
            by_shape.setdefault(p.shape[::-1], []).append((n, True))
    mapping, kept = {}, []
    for init in model.graph.initializer:
        value = numpy_helper.to_array(init)
        match = next(([n, t] for n, t in by_shape.get(value.shape, [])
                      if np.array_equal(params[n].T if t else params[n], value)), None)
        if match is None:
            kept.append(init)
            continue
        mapping[init.name] = match
        model.graph.input.append(helper.make_tensor_value_info(init.name, init.data_type,
                                                               list(value.shape)))
    assert len({n for n, _ in mapping.values()}) == len(params), "a parameter has no input"
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)
    onnx.save(model, path)
    return mapping


def main(out):
    os.makedirs(out, exist_ok=True)
    manifest = {}
    for name in MODELS:
        wrapper = build(name)
        example = (torch.zeros(1, 16, dtype=torch.long), torch.ones(1, 16, dtype=torch.long))
        fp32 = os.path.join(out, name + ".fp32.onnx")
        torch.onnx.export(wrapper, example, fp32, dynamo=False, opset_version=17,
                          input_names=["input_ids", "attention_mask"],
                          output_names=["last_hidden_state"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"},
                                        "attention_mask": {0: "batch", 1: "seq"}})
        weights = weights_as_inputs(fp32, wrapper)
        # onnxruntime's converter, in the Python that has it (the repository's .venv).
        converter = os.environ.get("KILN_ORT_PYTHON", sys.executable)
        subprocess.run([converter, "-c",
                        "import onnx, sys\n"
                        "from onnxruntime.transformers.float16 import convert_float_to_float16\n"
                        "m = convert_float_to_float16(onnx.load(sys.argv[1]), keep_io_types=False)\n"
                        "onnx.save(m, sys.argv[2])\n", fp32, os.path.join(out, name + ".onnx")],
                       check=True)
        os.remove(fp32)
        model_class, config_class, kwargs = MODELS[name]
        manifest[name] = {"hf_class": model_class, "config_class": config_class,
                          "config": kwargs, "weights": weights}
    with open(os.path.join(out, "models.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
