"""A BERT encoder as an ONNX graph, built with onnx.helper (no torch needed).

The node structure is the one torch.onnx.export gives for Hugging Face's BertModel at opset 17:
embeddings (Gather word + position + token type, LayerNormalization), then per layer Q/K/V
MatMul+Add, Reshape+Transpose into heads, MatMul, Div by sqrt(head_dim), additive mask from
(1 - mask) * -10000, Softmax, MatMul, Transpose+Reshape back, output projection, residual Add,
LayerNormalization, FFN with erf-GELU, residual, LayerNormalization. Weights are seeded random.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def make_bert(layers=12, hidden=768, heads=12, ffn=3072, vocab=30522, max_pos=512, seed=0):
    rng = np.random.default_rng(seed)
    nodes, inits = [], []
    counter = [0]

    def name(prefix):
        counter[0] += 1
        return "%s_%d" % (prefix, counter[0])

    def const(array, prefix="w"):
        n = name(prefix)
        inits.append(numpy_helper.from_array(np.asarray(array), n))
        return n

    def weight(*shape):
        return const((rng.standard_normal(shape) * 0.02).astype(np.float32))

    def node(op, inputs, **attrs):
        out = name(op.lower())
        nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    def linear(x, fan_in, fan_out):
        return node("Add", [node("MatMul", [x, weight(fan_in, fan_out)]), weight(fan_out)])

    def layer_norm(x):
        return node("LayerNormalization", [x, const(np.ones(hidden, np.float32)),
                                           const(np.zeros(hidden, np.float32))],
                    axis=-1, epsilon=1e-12)

    head_dim = hidden // heads
    ids = "input_ids"
    seq_len = node("Gather", [node("Shape", [ids]), const(np.array(1, np.int64))], axis=0)
    positions = node("Unsqueeze", [node("Range", [const(np.array(0, np.int64)), seq_len,
                                                   const(np.array(1, np.int64))]),
                                   const(np.array([0], np.int64))])
    x = node("Add", [node("Gather", [weight(vocab, hidden), ids], axis=0),
                     node("Gather", [weight(max_pos, hidden), positions], axis=0)])
    x = node("Add", [x, node("Gather", [weight(2, hidden), node("Mul", [ids, const(np.array(0, np.int64))])], axis=0)])
    x = layer_norm(x)
    mask = node("Cast", [node("Unsqueeze", ["attention_mask", const(np.array([1, 2], np.int64))])],
                to=TensorProto.FLOAT)
    mask = node("Mul", [node("Sub", [const(np.array(1.0, np.float32)), mask]),
                        const(np.array(-10000.0, np.float32))])
    split_shape = const(np.array([0, 0, heads, head_dim], np.int64))
    merge_shape = const(np.array([0, 0, hidden], np.int64))
    scale = const(np.array(np.sqrt(head_dim), np.float32))
    for _ in range(layers):
        def heads_of(t, perm):
            return node("Transpose", [node("Reshape", [t, split_shape])], perm=perm)
        q = heads_of(linear(x, hidden, hidden), [0, 2, 1, 3])
        k = heads_of(linear(x, hidden, hidden), [0, 2, 3, 1])
        v = heads_of(linear(x, hidden, hidden), [0, 2, 1, 3])
        scores = node("Add", [node("Div", [node("MatMul", [q, k]), scale]), mask])
        context = node("MatMul", [node("Softmax", [scores], axis=-1), v])
        context = node("Reshape", [node("Transpose", [context], perm=[0, 2, 1, 3]), merge_shape])
        x = layer_norm(node("Add", [linear(context, hidden, hidden), x]))
        h = linear(x, hidden, ffn)
        gelu = node("Mul", [node("Mul", [h, node("Add", [node("Erf", [node("Div", [h, const(np.array(np.sqrt(2.0), np.float32))])]), const(np.array(1.0, np.float32))])]), const(np.array(0.5, np.float32))])
        x = layer_norm(node("Add", [linear(gelu, ffn, hidden), x]))
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="output"))
    graph = helper.make_graph(
        nodes, "bert_base",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT,
                                       ["batch", "seq", hidden])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model
