// RUN: kiln-opt %s -split-input-file -verify-diagnostics --kiln-convert-onnx-to-linalg
// Every onnx op is illegal after the conversion: an op it cannot lower fails the pass with a
// diagnostic naming the op.

// An op with no lowering yet (pick another such op when Einsum gets one).
func.func @einsum_not_lowered(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  // expected-error @below {{cannot lower 'onnx.Einsum': no lowering pattern applies to this form}}
  %0 = onnx.Einsum %a, %b {equation = "ij,jk->ik"} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// CumSum's axis must be a one-element tensor.
func.func @cumsum_axis_vector(%x: tensor<2x3xf32>, %axis: tensor<2xi64>) -> tensor<2x3xf32> {
  // expected-error @below {{cannot lower 'onnx.CumSum': the axis is not a one-element tensor}}
  %0 = onnx.CumSum %x, %axis : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @integer_matmul(%a: tensor<2x3xi32>, %b: tensor<3x4xi32>) -> tensor<2x4xi32> {
  // expected-error @below {{cannot lower 'onnx.MatMul': result rank unknown or integer MatMul (not supported yet)}}
  %0 = onnx.MatMul %a, %b : (tensor<2x3xi32>, tensor<3x4xi32>) -> tensor<2x4xi32>
  return %0 : tensor<2x4xi32>
}

// -----

func.func @unranked_operand(%x: tensor<*xf32>) -> tensor<2xf32> {
  // expected-error @below {{cannot lower 'onnx.Relu': operand rank unknown}}
  %0 = onnx.Relu %x : (tensor<*xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @unranked_result(%x: tensor<2xf32>) -> tensor<*xf32> {
  // expected-error @below {{cannot lower 'onnx.Exp': result rank unknown}}
  %0 = onnx.Exp %x : (tensor<2xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @unranked_matmul_operand(%a: tensor<*xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  // expected-error @below {{cannot lower 'onnx.MatMul': operand ranks unknown or do not fit the result, or a dynamic batch dim has no source operand}}
  %0 = onnx.MatMul %a, %b : (tensor<*xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @unranked_softmax(%a: tensor<*xf32>) -> tensor<*xf32> {
  // expected-error @below {{cannot lower 'onnx.Softmax': rank unknown or not a float tensor}}
  %0 = onnx.Softmax %a : (tensor<*xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Pow of an integer base is not lowered yet (a float base with an integer exponent is).
func.func @pow_integer_base(%x: tensor<2x3xi64>, %e: tensor<i64>) -> tensor<2x3xi64> {
  // expected-error @below {{cannot lower 'onnx.Pow': element type not supported for this op}}
  %0 = onnx.Pow %x, %e : (tensor<2x3xi64>, tensor<i64>) -> tensor<2x3xi64>
  return %0 : tensor<2x3xi64>
}

// -----

// A dynamic result dim that no operand can size (all of them are a static 1 there).
func.func @dynamic_result_dim_without_source(%a: tensor<1xf32>, %b: tensor<1xf32>) -> tensor<?xf32> {
  // expected-error @below {{cannot lower 'onnx.Add': a dynamic result dim has no source operand}}
  %0 = onnx.Add %a, %b : (tensor<1xf32>, tensor<1xf32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
