"""Models whose failures only the data reveals, with their inputs: gather.onnx (an embedding
lookup whose table is an input, so its rows can be zero; indices in range, past the end,
before the start, a large batch split over threads) for Tools/run-time-errors.test, and
huge.onnx (an intermediate buffer sized by an input's values) for runtime/abandoned-run.test,
and intdiv.onnx (integer division by 0 and -1) for Tools/run-time-errors.test."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper

out = sys.argv[1]
node = helper.make_node("Gather", ["table", "ids"], ["rows"], name="embed_tokens", axis=0)
graph = helper.make_graph(
    [node], "gather",
    [helper.make_tensor_value_info("table", TensorProto.FLOAT, ["vocab", 4]),
     helper.make_tensor_value_info("ids", TensorProto.INT64, ["n"])],
    [helper.make_tensor_value_info("rows", TensorProto.FLOAT, ["n", 4])])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
          os.path.join(out, "gather.onnx"))
np.save(os.path.join(out, "table.npy"), np.arange(40, dtype=np.float32).reshape(10, 4))
np.save(os.path.join(out, "empty.npy"), np.zeros((0, 4), np.float32))
np.save(os.path.join(out, "good.npy"), np.array([0, 9, -1, -10], np.int64))
np.save(os.path.join(out, "past.npy"), np.array([0, 3, 10, 1], np.int64))
np.save(os.path.join(out, "before.npy"), np.array([-11], np.int64))
many = np.zeros(200000, np.int64)
many[150000] = 12345
np.save(os.path.join(out, "many.npy"), many)

# A buffer sized by input values: ConstantOfShape(shape) transposed and summed. With a shape
# of 2^21 x 2^21 floats (16 TiB) the intermediate cannot be allocated.
nodes = [
    helper.make_node("ConstantOfShape", ["shape"], ["filled"], name="fill",
                     value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1.0])),
    helper.make_node("Transpose", ["filled"], ["flipped"], name="flip", perm=[1, 0]),
    helper.make_node("ReduceSum", ["flipped"], ["total"], name="total", keepdims=0),
]
graph = helper.make_graph(
    nodes, "huge", [helper.make_tensor_value_info("shape", TensorProto.INT64, [2])],
    [helper.make_tensor_value_info("total", TensorProto.FLOAT, [])])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
          os.path.join(out, "huge.onnx"))
np.save(os.path.join(out, "small_shape.npy"), np.array([3, 5], np.int64))
np.save(os.path.join(out, "huge_shape.npy"), np.array([1 << 21, 1 << 21], np.int64))

# Integer Div and Mod (floored and fmod) on divisors that would trap on x86: 0, and -1 with
# INT64_MIN. Kiln defines both as 0 / -a and computes the rest exactly.
nodes = [helper.make_node("Div", ["a", "b"], ["quotient"], name="div"),
         helper.make_node("Mod", ["a", "b"], ["floored"], name="mod"),
         helper.make_node("Mod", ["a", "b"], ["truncated"], name="fmod", fmod=1)]
graph = helper.make_graph(
    nodes, "intdiv",
    [helper.make_tensor_value_info("a", TensorProto.INT64, [6]),
     helper.make_tensor_value_info("b", TensorProto.INT64, [6])],
    [helper.make_tensor_value_info(n, TensorProto.INT64, [6])
     for n in ("quotient", "floored", "truncated")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
          os.path.join(out, "intdiv.onnx"))
np.save(os.path.join(out, "dividends.npy"),
        np.array([7, -7, 7, -7, -(1 << 63), 5], np.int64))
np.save(os.path.join(out, "divisors.npy"), np.array([2, 2, -2, -2, -1, 0], np.int64))

# CumSum whose axis is a graph input: any axis in [-rank, rank) runs; one outside is reported.
graph = helper.make_graph(
    [helper.make_node("CumSum", ["x", "axis"], ["sums"], name="running_total")], "cumsum",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3]),
     helper.make_tensor_value_info("axis", TensorProto.INT64, [])],
    [helper.make_tensor_value_info("sums", TensorProto.FLOAT, [2, 3])])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]),
          os.path.join(out, "cumsum.onnx"))
np.save(os.path.join(out, "cumsum_x.npy"), np.arange(6, dtype=np.float32).reshape(2, 3))
for name, value in (("axis0", 0), ("axis_last", -1), ("axis_bad", 2)):
    np.save(os.path.join(out, name + ".npy"), np.array(value, np.int64))

# Split with its sizes a graph input: sizes that do not add up to the dim fail the run.
graph = helper.make_graph(
    [helper.make_node("Split", ["x", "sizes"], ["a", "b"], name="halves", axis=1)], "split",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3]),
     helper.make_tensor_value_info("sizes", TensorProto.INT64, [2])],
    [helper.make_tensor_value_info(n, TensorProto.FLOAT, [2, None]) for n in ("a", "b")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)]),
          os.path.join(out, "split.onnx"))
np.save(os.path.join(out, "sizes_good.npy"), np.array([1, 2], np.int64))
np.save(os.path.join(out, "sizes_bad.npy"), np.array([2, 2], np.int64))
