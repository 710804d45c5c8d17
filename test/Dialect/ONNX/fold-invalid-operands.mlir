// RUN: kiln-opt %s -split-input-file -canonicalize | FileCheck %s
// onnx ops have no shape verifiers, so -canonicalize can see attributes and result types that
// kiln-onnx-shape-inference would reject. Folders must then leave the op alone: they check
// axes and never trust the declared result type.

// CHECK-LABEL: func.func @negative_concat_axis_out_of_range
// CHECK: onnx.Concat
func.func @negative_concat_axis_out_of_range() -> tensor<4xi64> {
  %a = onnx.Constant dense<[1, 2]> : tensor<2xi64>
  %0 = onnx.Concat %a, %a {axis = 3 : i64} : (tensor<2xi64>, tensor<2xi64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// CHECK-LABEL: func.func @negative_concat_declared_too_large
// CHECK: onnx.Concat
func.func @negative_concat_declared_too_large() -> tensor<8xi64> {
  %a = onnx.Constant dense<[1, 2]> : tensor<2xi64>
  %0 = onnx.Concat %a, %a {axis = 0 : i64} : (tensor<2xi64>, tensor<2xi64>) -> tensor<8xi64>
  return %0 : tensor<8xi64>
}

// -----

// CHECK-LABEL: func.func @negative_gather_axis_out_of_range
// CHECK: onnx.Gather
func.func @negative_gather_axis_out_of_range() -> tensor<2xi64> {
  %a = onnx.Constant dense<[1, 2, 3]> : tensor<3xi64>
  %i = onnx.Constant dense<[0, 1]> : tensor<2xi64>
  %0 = onnx.Gather %a, %i {axis = 4 : i64} : (tensor<3xi64>, tensor<2xi64>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// CHECK-LABEL: func.func @negative_slice_axis_out_of_range
// CHECK: onnx.Slice
func.func @negative_slice_axis_out_of_range() -> tensor<2xi64> {
  %a = onnx.Constant dense<[1, 2, 3]> : tensor<3xi64>
  %s = onnx.Constant dense<0> : tensor<1xi64>
  %ax = onnx.Constant dense<3> : tensor<1xi64>
  %0 = onnx.Slice %a, %s, %s axes(%ax) : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}
