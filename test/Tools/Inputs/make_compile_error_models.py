#!/usr/bin/env python3
"""Writes models that import but cannot be compiled, for compile-errors.test: each failure,
in whichever stage, must name the ONNX node it comes from and say what is wrong."""
import os
import sys

import onnx
from onnx import TensorProto, helper

out = sys.argv[1]
F = TensorProto.FLOAT


def save(name, nodes, inputs, outputs):
    graph = helper.make_graph(nodes, name, inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, name + ".onnx"))


# An operator Kiln imports but does not lower (Einsum).
save("einsum", [helper.make_node("Einsum", ["a", "b"], ["c"], name="mix", equation="ij,jk->ik")],
     [helper.make_tensor_value_info("a", F, [2, 3]), helper.make_tensor_value_info("b", F, [3, 4])],
     [helper.make_tensor_value_info("c", F, [2, 4])])

# A form that cannot be lowered: CumSum along an axis known only at run time.
save("unsqueeze_axes", [helper.make_node("Unsqueeze", ["x", "axes"], ["y"], name="add_axes")],
     [helper.make_tensor_value_info("x", F, [2, 3]),
      helper.make_tensor_value_info("axes", TensorProto.INT64, [1])],
     [helper.make_tensor_value_info("y", F, None)])
