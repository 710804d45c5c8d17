"""make_decoders.py: Hugging Face decoders with a KV cache, exported by torch's TorchScript
exporter (<name>.ts17.onnx, opset 17) and by its dynamo exporter (<name>.dynamo18.onnx, opset
18) for the generation tests (test/python/test_generate.py, issue #14).

Each model takes input_ids [batch, seq], attention_mask [batch, past + seq], position_ids
[batch, seq] and past_key_<i> / past_value_<i> [batch, kv heads, past, head dim] per layer, and
returns logits [batch, seq, vocab] and present_key_<i> / present_value_<i> (the past with this
step's keys and values appended: Concat in the graph). Seeded random weights (matrices with
std 0.15), small configs.
decoders.npz holds, per model, the prompt and torch's greedy `generate` of 32 new tokens
(<name>/prompt, <name>/greedy).

Run with torch and transformers (test/models/zoo/README.md's /opt/torchenv):
  /opt/torchenv/bin/python test/models/decoders/make_decoders.py
Made with torch 2.15.0, transformers 5.25.0.
"""
import os

import sys

import numpy as np
import onnx
import torch
import transformers
from torch import nn
from torch.export import Dim
from transformers import DynamicCache

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "zoo"))
from make_zoo import strip_stack_traces  # noqa: E402
NEW_TOKENS = 32
# name: (model class, config class, config kwargs); no end-of-sequence token, so that generate
# runs every step and applies no logits processor.
MODELS = {
    "llama_gqa": ("LlamaForCausalLM", "LlamaConfig",
                  {"hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
                   "num_key_value_heads": 2, "num_hidden_layers": 2, "vocab_size": 256,
                   "max_position_embeddings": 256, "bos_token_id": None, "eos_token_id": None}),
    # Qwen2: biases on the q/k/v projections, GQA 4 over 2.
    "qwen2": ("Qwen2ForCausalLM", "Qwen2Config",
              {"hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
               "num_key_value_heads": 2, "num_hidden_layers": 2, "vocab_size": 256,
               "max_position_embeddings": 256, "bos_token_id": None, "eos_token_id": None}),
    "gpt2": ("GPT2LMHeadModel", "GPT2Config",
             {"n_embd": 64, "n_head": 4, "n_layer": 2, "vocab_size": 256, "n_positions": 256,
              "bos_token_id": None, "eos_token_id": None}),
}


class CacheWrapper(nn.Module):
    """Tensors in and out: the cache as past_key_<i>, past_value_<i> inputs and present_*
    outputs around the model's DynamicCache."""

    def __init__(self, model):
        super().__init__()
        self.model, self.layers = model, model.config.num_hidden_layers

    def forward(self, input_ids, attention_mask, position_ids, *past):
        cache = DynamicCache(config=self.model.config)
        for i in range(self.layers):
            cache.update(past[2 * i], past[2 * i + 1], i)
        out = self.model(input_ids=input_ids, attention_mask=attention_mask,
                         position_ids=position_ids, past_key_values=cache, use_cache=True)
        present = []
        for layer in out.past_key_values.layers:
            present += [layer.keys, layer.values]
        return (out.logits, *present)


def main():
    refs = {}
    for name, (model_class, config_class, kwargs) in MODELS.items():
        torch.manual_seed(0)
        config = getattr(transformers, config_class)(**kwargs)
        model = getattr(transformers, model_class)(config).eval()
        # Matrices drawn wider than the default init, so that greedy decoding does not settle
        # into one repeated token (a cache bug would then go unseen).
        with torch.no_grad():
            for p in model.parameters():
                if p.dim() > 1:
                    p.normal_(0, 0.15)
        # torch's greedy generate before the exports. (The wrapper is put in eval mode: the
        # TorchScript exporter evaluates in eval mode and then restores the wrapper's mode on
        # every submodule, so a wrapper left in training mode turned the model's dropout on.)
        prompt = torch.tensor([[7, 42, 3, 99, 15, 200, 1]])
        with torch.no_grad():
            greedy = model.generate(prompt, attention_mask=torch.ones_like(prompt),
                                    max_new_tokens=NEW_TOKENS, do_sample=False, pad_token_id=0)
        layers = config.num_hidden_layers
        kv_heads = getattr(config, "num_key_value_heads", None) or config.num_attention_heads
        head_dim = config.hidden_size // config.num_attention_heads
        past = [torch.randn(1, kv_heads, 5, head_dim) for _ in range(2 * layers)]
        example = (torch.randint(0, config.vocab_size, (1, 3)), torch.ones(1, 8, dtype=torch.long),
                   torch.arange(5, 8)[None], *past)
        inputs = ["input_ids", "attention_mask", "position_ids"]
        outputs = ["logits"]
        for i in range(layers):
            inputs += ["past_key_%d" % i, "past_value_%d" % i]
            outputs += ["present_key_%d" % i, "present_value_%d" % i]
        axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "total"},
                "position_ids": {0: "batch", 1: "seq"}}
        axes.update({n: {0: "batch", 2: "past"} for n in inputs[3:]})
        torch.onnx.export(CacheWrapper(model).eval(), example,
                          os.path.join(HERE, name + ".ts17.onnx"),
                          dynamo=False, opset_version=17, input_names=inputs,
                          output_names=outputs, dynamic_axes=axes)
        # The dynamo exporter: batch 2 in the example (torch.export specialises a dim of size
        # 1), every dim of the cache and the mask left to torch (Dim.AUTO) to relate.
        batch2 = tuple(t.repeat(2, *([1] * (t.dim() - 1))) for t in example)
        auto = {0: Dim.AUTO, 1: Dim.AUTO}
        shapes = (auto, auto, auto, tuple({0: Dim.AUTO, 2: Dim.AUTO} for _ in past))
        dynamo_path = os.path.join(HERE, name + ".dynamo18.onnx")
        torch.onnx.export(CacheWrapper(model).eval(), batch2, dynamo_path, dynamo=True,
                          opset_version=18, input_names=inputs, output_names=outputs,
                          dynamic_shapes=shapes, external_data=False)
        onnx.save(strip_stack_traces(onnx.load(dynamo_path)), dynamo_path)
        refs[name + "/prompt"] = prompt[0].numpy()
        refs[name + "/greedy"] = greedy[0, prompt.shape[1]:].numpy()
    np.savez(os.path.join(HERE, "decoders.npz"), **refs)


if __name__ == "__main__":
    main()
