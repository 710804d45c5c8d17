#!/usr/bin/env python3
"""Writes the small models of test/Importer/opset-normalization.test into the folder given on
the command line (the test's %t): the same computation at different opsets, the Constant
node's value forms, initializers on both sides of the inline-size limit, and a model whose
weights are external data.

    .venv/bin/python test/Importer/Inputs/opset/make_opset_models.py OUT_DIR

Deterministic and offline; nothing is committed but this script.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
I64 = TensorProto.INT64


def value(name, shape, elem=F):
    return helper.make_tensor_value_info(name, elem, list(shape))


def model(nodes, inputs, outputs, opset, initializers=()):
    graph = helper.make_graph(nodes, "opset", inputs, outputs, initializer=list(initializers))
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                          producer_name="make_opset_models")
    m.ir_version = 8
    return m


def save(m, out, name, **kwargs):
    onnx.save(m, os.path.join(out, name), **kwargs)


def main(out):
    os.makedirs(out, exist_ok=True)
    x = value("x", [2, 3, 4])

    # ReduceMean: axes is an attribute before opset 18 and an input from 18 on.
    save(model([helper.make_node("ReduceMean", ["x"], ["y"], name="mean", axes=[1],
                                 keepdims=0)],
               [x], [value("y", [2, 4])], opset=13), out, "reduce_mean_13.onnx")
    save(model([helper.make_node("ReduceMean", ["x", "axes"], ["y"], name="mean", keepdims=0)],
               [x], [value("y", [2, 4])], opset=18,
               initializers=[numpy_helper.from_array(np.array([1], np.int64), "axes")]),
         out, "reduce_mean_18.onnx")
    # No axes at all: reduce over every axis.
    save(model([helper.make_node("ReduceMax", ["x"], ["y"], name="max")],
               [x], [value("y", [1, 1, 1])], opset=13), out, "reduce_max_13_no_axes.onnx")
    # ReduceSum took axes as an input already at opset 13.
    save(model([helper.make_node("ReduceSum", ["x", "axes"], ["y"], name="sum")],
               [x], [value("y", [2, 3, 1])], opset=13,
               initializers=[numpy_helper.from_array(np.array([-1], np.int64), "axes")]),
         out, "reduce_sum_13.onnx")

    # Split: at opset 13 the number of outputs says how many equal parts; at 18 num_outputs.
    w = value("w", [2, 12])
    parts = [value(n, [2, 4]) for n in ("a", "b", "c")]
    save(model([helper.make_node("Split", ["w"], ["a", "b", "c"], name="split", axis=1)],
               [w], parts, opset=13), out, "split_13.onnx")
    save(model([helper.make_node("Split", ["w"], ["a", "b", "c"], name="split", axis=1,
                                 num_outputs=3)],
               [w], parts, opset=18), out, "split_18.onnx")
    save(model([helper.make_node("Split", ["w", "sizes"], ["a", "b"], name="split", axis=1)],
               [w], [value("a", [2, 8]), value("b", [2, 4])], opset=13,
               initializers=[numpy_helper.from_array(np.array([8, 4], np.int64), "sizes")]),
         out, "split_13_sizes.onnx")

    # Every value form of the Constant node.
    consts = [
        helper.make_node("Constant", [], ["c_ints"], name="c_ints", value_ints=[1, -2, 3]),
        helper.make_node("Constant", [], ["c_int"], name="c_int", value_int=7),
        helper.make_node("Constant", [], ["c_float"], name="c_float", value_float=0.5),
        helper.make_node("Constant", [], ["c_floats"], name="c_floats",
                         value_floats=[1.5, -2.0]),
        helper.make_node("Constant", [], ["c_tensor"], name="c_tensor",
                         value=numpy_helper.from_array(np.array([[1, 2], [3, 4]], np.int32))),
        helper.make_node("Constant", [], ["c_big"], name="c_big",
                         value=numpy_helper.from_array(np.ones([300], np.float32), "big")),
    ]
    outs = [value("c_ints", [3], I64), value("c_int", [], I64), value("c_float", []),
            value("c_floats", [2]), value("c_tensor", [2, 2], TensorProto.INT32),
            value("c_big", [300])]
    save(model(consts, [], outs, opset=17), out, "constants.onnx")

    # Initializers of 1024 bytes (the default --max-inline-constant-bytes) are literals; one
    # more element makes a dense_resource.
    inits = [numpy_helper.from_array(np.arange(256, dtype=np.float32), "w256"),
             numpy_helper.from_array(np.arange(257, dtype=np.float32), "w257")]
    nodes = [helper.make_node("Identity", ["w256"], ["o256"], name="id256"),
             helper.make_node("Identity", ["w257"], ["o257"], name="id257")]
    save(model(nodes, [], [value("o256", [256]), value("o257", [257])], opset=17,
               initializers=inits), out, "initializer_sizes.onnx")

    # Initializer names that are not identifiers become resource keys with '_'; two names
    # that map to the same key still get a blob each.
    inits = [numpy_helper.from_array(np.array([1, 2], np.float32), "layer/w"),
             numpy_helper.from_array(np.array([3, 4], np.float32), "layer_w")]
    nodes = [helper.make_node("Add", ["layer/w", "layer_w"], ["s"], name="add")]
    save(model(nodes, [], [value("s", [2])], opset=17, initializers=inits), out,
         "resource_names.onnx")

    # External data: every tensor in weights.bin, one after the other.
    ext = model([helper.make_node("Add", ["x4", "tiny"], ["t"], name="add"),
                 helper.make_node("Add", ["t", "quarters"], ["y"], name="add_quarters")],
                [value("x4", [4])], [value("y", [4])], opset=17,
                initializers=[numpy_helper.from_array(np.array([1, 2, 3, 4], np.float32), "tiny"),
                              numpy_helper.from_array(np.full([4], 0.25, np.float32),
                                                      "quarters")])
    os.makedirs(os.path.join(out, "external"), exist_ok=True)
    save(ext, os.path.join(out, "external"), "external.onnx", save_as_external_data=True,
         all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)


if __name__ == "__main__":
    main(sys.argv[1])
