// RUN: kiln-opt %s -split-input-file -verify-diagnostics --kiln-convert-onnx-to-linalg
// Operands the conversion does not handle are refused by its patterns (a "cannot lower" error
// naming the onnx op and the reason), never turned into invalid arith/linalg IR or a crash:
// unsigned integers outside the ops that handle them (arith works on signless integers) and
// IR whose declared types disagree with the op's attributes or with broadcasting.

func.func @abs_unsigned(%a: tensor<2xui8>) -> tensor<2xui8> {
  // expected-error @below {{cannot lower 'onnx.Abs': unsigned integers are supported in arithmetic, comparisons and logic on unsigned operands only (not in this op)}}
  %0 = onnx.Abs %a : (tensor<2xui8>) -> tensor<2xui8>
  return %0 : tensor<2xui8>
}

// -----

func.func @cast_f32_to_unsigned(%a: tensor<2xf32>) -> tensor<2xui8> {
  // expected-error @below {{cannot lower 'onnx.Cast': unsigned integers are supported in arithmetic, comparisons and logic on unsigned operands only (not in this op)}}
  %0 = onnx.Cast %a {to = 2 : i64} : (tensor<2xf32>) -> tensor<2xui8>
  return %0 : tensor<2xui8>
}

// -----

func.func @cast_unsigned_to_f32(%a: tensor<2xui8>) -> tensor<2xf32> {
  // expected-error @below {{cannot lower 'onnx.Cast': unsigned integers are supported in arithmetic, comparisons and logic on unsigned operands only (not in this op)}}
  %0 = onnx.Cast %a {to = 1 : i64} : (tensor<2xui8>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// The result has a lower rank than an operand.
func.func @add_result_rank_too_small(%a: tensor<2x3xf32>, %b: tensor<2x3xf32>) -> tensor<3xf32> {
  // expected-error @below {{cannot lower 'onnx.Add': a dynamic result dim has no source operand}}
  %0 = onnx.Add %a, %b : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @matmul_result_rank_too_small(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<4xf32> {
  // expected-error @below {{cannot lower 'onnx.MatMul': operand ranks unknown or do not fit the result, or a dynamic batch dim has no source operand}}
  %0 = onnx.MatMul %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @softmax_axis_out_of_range(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @below {{cannot lower 'onnx.Softmax': axis out of range}}
  %0 = onnx.Softmax %a {axis = 5 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @transpose_perm_not_a_permutation(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error @below {{cannot lower 'onnx.Transpose': perm is not a permutation}}
  %0 = onnx.Transpose %a {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Pads of the wrong length are reported, naming the op.
func.func @pads_length(%x: tensor<2x3xf32>, %pads: tensor<3xi64>) -> tensor<?x?xf32> {
  // expected-error@+1 {{cannot lower 'onnx.Pad': pads is not a 1-D tensor of twice as many entries as padded axes}}
  %0 = onnx.Pad %x, %pads : (tensor<2x3xf32>, tensor<3xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
