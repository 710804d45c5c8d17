// RUN: kiln-opt %s -split-input-file --kiln-onnx-shape-inference | FileCheck %s
// Shape values remember which dim of which tensor an entry is, so equal dynamic dims cancel.

// Flattening the spatial dims of a conv output, as exported: [Shape(x)[0], Shape(x)[1], -1].
// The batch entry is x's own dim 0, so the -1 is 4 * 4 although the batch is dynamic.
// CHECK-LABEL: func.func @reshape_minus_one_beside_own_dims
// CHECK: onnx.Reshape {{.*}} -> tensor<?x32x16xf32>
func.func @reshape_minus_one_beside_own_dims(%x: tensor<?x32x4x4xf32>) -> tensor<*xf32> {
  %start = onnx.Constant dense<0> : tensor<1xi64>
  %end = onnx.Constant dense<2> : tensor<1xi64>
  %minus1 = onnx.Constant dense<-1> : tensor<1xi64>
  %s = onnx.Shape %x : (tensor<?x32x4x4xf32>) -> tensor<4xi64>
  %bc = onnx.Slice %s, %start, %end axes(%start) : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %t = onnx.Concat %bc, %minus1 {axis = 0 : i64} : (tensor<2xi64>, tensor<1xi64>) -> tensor<3xi64>
  %r = onnx.Reshape %x, %t : (tensor<?x32x4x4xf32>, tensor<3xi64>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}

// -----

// torch's expand(b, -1, -1) guard: Where(Equal(shape, -1), 1, shape). A dim is never -1, so
// the guard keeps the shape and the expanded dims stay static.
// CHECK-LABEL: func.func @expand_behind_equal_minus_one_guard
// CHECK: onnx.Expand {{.*}} -> tensor<?x1x32xf32>
func.func @expand_behind_equal_minus_one_guard(%cls: tensor<1x1x32xf32>, %x: tensor<?x3xf32>) -> tensor<*xf32> {
  %zero = onnx.Constant dense<0> : tensor<1xi64>
  %idx = onnx.Constant dense<0> : tensor<i64>
  %ones = onnx.Constant dense<1> : tensor<1xi64>
  %minus1 = onnx.Constant dense<-1> : tensor<3xi64>
  %ones3 = onnx.Constant dense<1> : tensor<3xi64>
  %s = onnx.Shape %x : (tensor<?x3xf32>) -> tensor<2xi64>
  %b = onnx.Gather %s, %idx : (tensor<2xi64>, tensor<i64>) -> tensor<i64>
  %b1 = onnx.Unsqueeze %b, %zero : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %shape = onnx.Concat %b1, %ones, %ones {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %eq = onnx.Equal %shape, %minus1 : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi1>
  %guarded = onnx.Where %eq, %ones3, %shape : (tensor<3xi1>, tensor<3xi64>, tensor<3xi64>) -> tensor<3xi64>
  %e = onnx.Expand %cls, %guarded : (tensor<1x1x32xf32>, tensor<3xi64>) -> tensor<*xf32>
  return %e : tensor<*xf32>
}

// -----

// An entry that is another tensor's dynamic dim does not cancel: the -1 stays dynamic.
// CHECK-LABEL: func.func @negative_other_tensors_dim
// CHECK: onnx.Reshape {{.*}} -> tensor<?x?xf32>
func.func @negative_other_tensors_dim(%x: tensor<?x32xf32>, %y: tensor<?xf32>) -> tensor<*xf32> {
  %minus1 = onnx.Constant dense<-1> : tensor<1xi64>
  %s = onnx.Shape %y : (tensor<?xf32>) -> tensor<1xi64>
  %t = onnx.Concat %s, %minus1 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %r = onnx.Reshape %x, %t : (tensor<?x32xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}
