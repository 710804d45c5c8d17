#!/usr/bin/env python3
"""Writes the corpus of hostile and malformed ONNX files that test/Importer/hostile-*.test feed
to kiln-import. Every file must be rejected with one clear error, a non-zero exit and no
output file, except huge_constant_of_shape.onnx (imports without allocating its 2**64-byte
result) and large_initializer.onnx (valid; rejected only under the --max-*-bytes limits).

The files are committed; rerun this script (deterministic, no network) after changing it:

    .venv/bin/python test/Importer/Inputs/hostile/make_hostile.py

It writes next to itself. onnx.checker is never run: the models are meant to be invalid.
Some external-data cases need files that cannot be committed or must sit outside this folder:
the lit test copies external_data_{symlink_escape,parent_dir,directory}.onnx into %t and
creates the escaping symlink escape_link.bin, ../x.bin and weights_dir/ there, so nothing here
is a symlink.
"""

import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 17
F = TensorProto.FLOAT
I64 = TensorProto.INT64


def tensor(name, elem=F, shape=(2, 3)):
    return helper.make_tensor_value_info(name, elem, None if shape is None else list(shape))


def model(nodes, inputs, outputs, initializers=(), opset=OPSET, extra_opsets=(), **kwargs):
    """A model with the standard domain at `opset` (None: no opset_import at all)."""
    graph = helper.make_graph(list(nodes), "hostile", list(inputs), list(outputs),
                              initializer=list(initializers))
    opsets = [] if opset is None else [helper.make_opsetid("", opset)]
    opsets += [helper.make_opsetid(d, v) for d, v in extra_opsets]
    m = helper.make_model(graph, opset_imports=opsets, producer_name="make_hostile", **kwargs)
    m.ir_version = 8
    return m


def relu_model(opset=OPSET, **kwargs):
    """The smallest valid model: y = Relu(x)."""
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")], [tensor("x")],
                 [tensor("y")], opset=opset, **kwargs)


def bare_tensor(name, elem, dims, **fields):
    """A TensorProto built field by field: onnx.helper.make_tensor rejects inconsistent ones."""
    return TensorProto(name=name, data_type=elem, dims=list(dims), **fields)


def external(name, location, shape=(4,), offset=None, length=None):
    """A FLOAT initializer stored as external data."""
    t = bare_tensor(name, F, shape)
    t.data_location = TensorProto.EXTERNAL
    entries = {"location": location}
    if offset is not None:
        entries["offset"] = str(offset)
    if length is not None:
        entries["length"] = str(length)
    for key, value in entries.items():
        e = t.external_data.add()
        e.key, e.value = key, value
    return t


def initializer_model(init):
    """y = Identity(w) for the initializer `w`."""
    return model([helper.make_node("Identity", [init.name], ["y"], name="identity")], [],
                 [helper.make_tensor_value_info("y", init.data_type, None)], [init])


def write(name, m_or_bytes):
    path = os.path.join(HERE, name)
    data = m_or_bytes if isinstance(m_or_bytes, bytes) else m_or_bytes.SerializeToString()
    assert len(data) < 20_000, f"{name} is {len(data)} bytes"
    with open(path, "wb") as f:
        f.write(data)


def cases():
    # --- The file itself ------------------------------------------------------------------
    yield "not_onnx.onnx", b"This is a plain text file, not an ONNX model.\n" * 4
    whole = relu_model().SerializeToString()
    yield "truncated.onnx", whole[: len(whole) // 2]
    yield "empty_file.onnx", b""
    # A node whose GRAPH attribute nests graphs 100 deep: 3 protobuf levels per graph
    # (GraphProto -> NodeProto -> AttributeProto), far past the default limit of 64. Built in
    # place: helper.make_graph copies through the Python protobuf parser, which itself stops
    # at depth 100.
    deep = relu_model()
    deep.graph.input.append(tensor("c", TensorProto.BOOL, ()))
    graph = deep.graph
    for i in range(100):
        node = graph.node.add(op_type="If", name=f"if{i}", input=["c"])
        attr = node.attribute.add(name="then_branch", type=onnx.AttributeProto.GRAPH)
        graph = attr.g
        graph.name = f"then{i}"
    yield "deep_nesting.onnx", deep
    yield "no_opset.onnx", relu_model(opset=None)

    # --- Opsets and domains ---------------------------------------------------------------
    yield "unsupported_opset.onnx", relu_model(opset=9)
    yield "future_opset.onnx", relu_model(opset=99)
    yield "only_custom_opset.onnx", model(
        [helper.make_node("Frob", ["x"], ["y"], name="frob", domain="com.example")],
        [tensor("x")], [tensor("y")], opset=None, extra_opsets=[("com.example", 1)])
    yield "unsupported_domain.onnx", model(
        [helper.make_node("Frob", ["x"], ["y"], name="frob", domain="com.example")],
        [tensor("x")], [tensor("y")], extra_opsets=[("com.example", 1)])
    yield "undeclared_domain.onnx", model(
        [helper.make_node("Frob", ["x"], ["y"], name="frob", domain="com.example")],
        [tensor("x")], [tensor("y")])
    yield "unsupported_op.onnx", model(
        [helper.make_node("NonZero", ["x"], ["y"], name="nonzero")],
        [tensor("x")], [tensor("y", I64, ("r", "n"))])
    yield "op_newer_than_opset.onnx", model(  # RMSNormalization arrived in opset 23.
        [helper.make_node("RMSNormalization", ["x", "scale"], ["y"], name="rms")],
        [tensor("x"), tensor("scale", F, (3,))], [tensor("y")])
    fn = helper.make_function("com.example", "MyRelu", ["a"], ["b"],
                              [helper.make_node("Relu", ["a"], ["b"])],
                              [helper.make_opsetid("", OPSET)])
    yield "model_local_function.onnx", model(
        [helper.make_node("MyRelu", ["x"], ["y"], name="call_fn", domain="com.example")],
        [tensor("x")], [tensor("y")], extra_opsets=[("com.example", 1)], functions=[fn])

    # --- Graph structure ------------------------------------------------------------------
    yield "cycle.onnx", model(
        [helper.make_node("Add", ["x", "b"], ["a"], name="add_a"),
         helper.make_node("Relu", ["a"], ["b"], name="relu_b")],
        [tensor("x")], [tensor("b")])
    yield "dangling_input.onnx", model(
        [helper.make_node("Add", ["x", "ghost"], ["y"], name="add")],
        [tensor("x")], [tensor("y")])
    yield "duplicate_output_name.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="first"),
         helper.make_node("Neg", ["x"], ["y"], name="second")],
        [tensor("x")], [tensor("y")])
    yield "output_redefines_input.onnx", model(
        [helper.make_node("Relu", ["x"], ["x"], name="relu")], [tensor("x")], [tensor("x")])
    yield "duplicate_graph_input.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")],
        [tensor("x"), tensor("x")], [tensor("y")])
    yield "duplicate_graph_output.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")],
        [tensor("x")], [tensor("y"), tensor("y")])
    yield "empty_graph.onnx", model([], [], [])
    yield "undefined_graph_output.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")],
        [tensor("x")], [tensor("z")])

    # --- Nodes ----------------------------------------------------------------------------
    yield "missing_required_input.onnx", model(
        [helper.make_node("MatMul", ["x"], ["y"], name="matmul")],
        [tensor("x")], [tensor("y")])
    yield "too_many_inputs.onnx", model(
        [helper.make_node("Relu", ["x", "x"], ["y"], name="relu")],
        [tensor("x")], [tensor("y")])
    yield "too_many_outputs.onnx", model(
        [helper.make_node("Relu", ["x"], ["y", "z"], name="relu")],
        [tensor("x")], [tensor("y")])
    yield "unknown_attribute.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu", frobnication=3)],
        [tensor("x")], [tensor("y")])
    yield "wrong_attribute_type.onnx", model(
        [helper.make_node("Softmax", ["x"], ["y"], name="softmax", axis=1.5)],
        [tensor("x")], [tensor("y")])
    yield "type_mismatch.onnx", model(
        [helper.make_node("Add", ["x", "n"], ["y"], name="add")],
        [tensor("x"), tensor("n", I64)], [tensor("y")])
    yield "matmul_shape_mismatch.onnx", model(
        [helper.make_node("MatMul", ["a", "b"], ["y"], name="matmul")],
        [tensor("a", F, (2, 3)), tensor("b", F, (4, 5))], [tensor("y", F, (2, 5))])
    yield "reshape_bad_shape.onnx", model(
        [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
        [tensor("x", F, (2, 3))], [tensor("y", F, (4,))],
        [numpy_helper.from_array(np.array([4], np.int64), "shape")])
    yield "constant_two_values.onnx", model(
        [helper.make_node("Constant", [], ["y"], name="const", value_float=1.0, value_int=2)],
        [], [tensor("y", F, ())])
    # ConstantOfShape of 2**62 elements: must import without materialising the tensor (or
    # fail cleanly), never allocate.
    yield "huge_constant_of_shape.onnx", model(
        [helper.make_node("ConstantOfShape", ["shape"], ["y"], name="fill",
                          value=numpy_helper.from_array(np.array([0.0], np.float32)))],
        [], [helper.make_tensor_value_info("y", F, None)],
        [numpy_helper.from_array(np.array([2**62], np.int64), "shape")])

    yield "split_no_outputs.onnx", model(  # Split must have at least one output.
        [helper.make_node("Split", ["x"], [], name="split", axis=1)],
        [tensor("x")], [tensor("x")])
    yield "tile_negative_repeats.onnx", model(
        [helper.make_node("Tile", ["x", "repeats"], ["y"], name="tile")],
        [tensor("x")], [tensor("y", F, None)],
        [numpy_helper.from_array(np.array([-1, 2], np.int64), "repeats")])
    yield "reshape_overflowing_shape.onnx", model(  # [2**62, 2**62] has 2**124 elements.
        [helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape")],
        [tensor("x", F, ("n", 3))], [tensor("y", F, None)],
        [numpy_helper.from_array(np.array([2**62, 2**62], np.int64), "shape")])
    yield "cumsum_axis_out_of_range.onnx", model(
        [helper.make_node("CumSum", ["x", "axis"], ["y"], name="cumsum")],
        [tensor("x")], [tensor("y")],
        [numpy_helper.from_array(np.array(9, np.int64), "axis")])
    conv_inputs = [tensor("x", F, (1, 1, 4, 4)), tensor("w", F, (1, 1, 3, 3))]
    yield "conv_zero_stride.onnx", model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", strides=[0, 0])],
        conv_inputs, [tensor("y", F, None)])
    yield "conv_zero_group.onnx", model(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", group=0)],
        conv_inputs, [tensor("y", F, None)])

    # --- Tensors and types ----------------------------------------------------------------
    t = bare_tensor("w", F, [2, -3])
    yield "negative_dim_initializer.onnx", initializer_model(t)
    t = bare_tensor("w", F, [2**40, 2**40])
    yield "overflowing_dims_initializer.onnx", initializer_model(t)
    t = bare_tensor("w", F, [2**40, 2**20])  # 2**60 elements, 2**62 bytes
    yield "oversized_initializer.onnx", initializer_model(t)
    yield "overflowing_graph_input.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")],
        [tensor("x", F, (2**40, 2**40))], [tensor("y", F, None)])
    yield "negative_dim_graph_input.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")],
        [tensor("x", F, (2, -1))], [tensor("y", F, None)])
    t = bare_tensor("w", F, [2, 3], raw_data=np.zeros(5, np.float32).tobytes())
    yield "raw_data_size_mismatch.onnx", initializer_model(t)
    t = bare_tensor("w", F, [2, 3], float_data=[1.0, 2.0, 3.0, 4.0])
    yield "float_data_count_mismatch.onnx", initializer_model(t)
    t = bare_tensor("w", TensorProto.STRING, [2], string_data=[b"ab", b"cd"])
    yield "string_tensor.onnx", initializer_model(t)
    t = bare_tensor("", F, [1], float_data=[1.0])
    yield "unnamed_initializer.onnx", initializer_model(t)
    yield "sequence_input.onnx", model(
        [helper.make_node("Identity", ["s"], ["y"], name="identity")],
        [helper.make_tensor_sequence_value_info("s", F, [2])],
        [helper.make_tensor_sequence_value_info("y", F, [2])])

    # A valid model with a 16 KiB initializer, for the --max-*-bytes limits.
    big = numpy_helper.from_array(np.zeros((64, 64), np.float32), "w")
    yield "large_initializer.onnx", initializer_model(big)

    # --- External data --------------------------------------------------------------------
    # small_weights.bin holds 16 bytes (4 floats).
    yield "external_data_abs_path.onnx", initializer_model(external("w", "/etc/hostname", (1,)))
    yield "external_data_parent_dir.onnx", initializer_model(external("w", "../x.bin", (1,)))
    yield "external_data_symlink_escape.onnx", initializer_model(
        external("w", "escape_link.bin", (1,)))
    yield "external_data_past_end.onnx", initializer_model(
        external("w", "small_weights.bin", (4,), offset=8, length=16))
    yield "external_data_offset_overflow.onnx", initializer_model(
        external("w", "small_weights.bin", (4,), offset=2**64 - 8))
    yield "external_data_bad_offset.onnx", initializer_model(
        external("w", "small_weights.bin", (4,), offset=-4))
    yield "external_data_length_mismatch.onnx", initializer_model(
        external("w", "small_weights.bin", (4,), length=12))
    yield "external_data_missing_file.onnx", initializer_model(
        external("w", "missing_weights.bin", (4,)))
    yield "external_data_directory.onnx", initializer_model(external("w", "weights_dir", (4,)))
    yield "external_data_no_location.onnx", initializer_model(external("w", "", (4,)))


def main():
    with open(os.path.join(HERE, "small_weights.bin"), "wb") as f:
        f.write(np.arange(4, dtype=np.float32).tobytes())
    for name, content in cases():
        write(name, content)


if __name__ == "__main__":
    main()
