// RUN: kiln-opt %s -split-input-file -canonicalize | FileCheck %s
// Canonicalisation patterns of ONNXCanonicalize.cpp: the exporter forms fusion should not see.

// CHECK-LABEL: func.func @dropout_at_inference
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
// CHECK-NOT: onnx.Dropout
// CHECK: return %[[X]]
func.func @dropout_at_inference(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %y, %mask = onnx.Dropout %x : (tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xi1>)
  return %y : tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func.func @negative_dropout_mask_used
// CHECK: onnx.Dropout
func.func @negative_dropout_mask_used(%x: tensor<2x8xf32>) -> tensor<2x8xi1> {
  %y, %mask = onnx.Dropout %x : (tensor<2x8xf32>) -> (tensor<2x8xf32>, tensor<2x8xi1>)
  return %mask : tensor<2x8xi1>
}

// -----

// CHECK-LABEL: func.func @negative_dropout_training
// CHECK: onnx.Dropout
func.func @negative_dropout_training(%x: tensor<2x8xf32>, %t: tensor<i1>) -> tensor<2x8xf32> {
  %y, %mask = onnx.Dropout %x training_mode(%t) : (tensor<2x8xf32>, tensor<i1>) -> (tensor<2x8xf32>, tensor<2x8xi1>)
  return %y : tensor<2x8xf32>
}

// -----

// Head split then the transpose to [b, h, d, s]: one Transpose of the original tensor.
// CHECK-LABEL: func.func @compose_transposes
// CHECK-SAME: (%[[X:.*]]: tensor<2x5x4x8xf32>)
// CHECK: %[[T:.*]] = onnx.Transpose %[[X]] {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x5x4x8xf32>) -> tensor<2x4x8x5xf32>
// CHECK-NEXT: return %[[T]]
func.func @compose_transposes(%x: tensor<2x5x4x8xf32>) -> tensor<2x4x8x5xf32> {
  %0 = onnx.Transpose %x {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x5x4x8xf32>) -> tensor<2x4x5x8xf32>
  %1 = onnx.Transpose %0 {perm = array<i64: 0, 1, 3, 2>} : (tensor<2x4x5x8xf32>) -> tensor<2x4x8x5xf32>
  return %1 : tensor<2x4x8x5xf32>
}

// -----

// CHECK-LABEL: func.func @inverse_transposes_cancel
// CHECK-SAME: (%[[X:.*]]: tensor<2x5x4x8xf32>)
// CHECK-NOT: onnx.Transpose
// CHECK: return %[[X]]
func.func @inverse_transposes_cancel(%x: tensor<2x5x4x8xf32>) -> tensor<2x5x4x8xf32> {
  %0 = onnx.Transpose %x {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x5x4x8xf32>) -> tensor<2x4x5x8xf32>
  %1 = onnx.Transpose %0 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x5x8xf32>) -> tensor<2x5x4x8xf32>
  return %1 : tensor<2x5x4x8xf32>
}

// -----

// CHECK-LABEL: func.func @negative_transpose_implicit_perm
// CHECK-COUNT-2: onnx.Transpose
func.func @negative_transpose_implicit_perm(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.Transpose %x : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %1 = onnx.Transpose %0 : (tensor<3x2xf32>) -> tensor<2x3xf32>
  return %1 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @collapse_reshapes
// CHECK-SAME: (%[[X:.*]]: tensor<2x5x32xf32>
// CHECK: onnx.Reshape %[[X]], %{{.*}} : (tensor<2x5x32xf32>, tensor<2xi64>) -> tensor<10x32xf32>
// CHECK-NOT: onnx.Reshape
func.func @collapse_reshapes(%x: tensor<2x5x32xf32>) -> tensor<10x32xf32> {
  %s1 = onnx.Constant dense<[2, 5, 4, 8]> : tensor<4xi64>
  %s2 = onnx.Constant dense<[10, 32]> : tensor<2xi64>
  %0 = onnx.Reshape %x, %s1 : (tensor<2x5x32xf32>, tensor<4xi64>) -> tensor<2x5x4x8xf32>
  %1 = onnx.Reshape %0, %s2 : (tensor<2x5x4x8xf32>, tensor<2xi64>) -> tensor<10x32xf32>
  return %1 : tensor<10x32xf32>
}

// -----

// A 0 entry copies a dim of the inner Reshape's result, so the pair must stay.
// CHECK-LABEL: func.func @negative_collapse_reshapes_copying_dim
// CHECK-COUNT-2: onnx.Reshape
func.func @negative_collapse_reshapes_copying_dim(%x: tensor<?x32xf32>) -> tensor<?x8xf32> {
  %s1 = onnx.Constant dense<[-1, 4, 8]> : tensor<3xi64>
  %s2 = onnx.Constant dense<[0, 8]> : tensor<2xi64>
  %0 = onnx.Reshape %x, %s1 : (tensor<?x32xf32>, tensor<3xi64>) -> tensor<?x4x8xf32>
  %1 = onnx.Reshape %0, %s2 : (tensor<?x4x8xf32>, tensor<2xi64>) -> tensor<?x8xf32>
  return %1 : tensor<?x8xf32>
}

// -----

// CHECK-LABEL: func.func @reshape_to_same_type
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NOT: onnx.Reshape
// CHECK: return %[[X]]
func.func @reshape_to_same_type(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s = onnx.Constant dense<[4, 8]> : tensor<2xi64>
  %0 = onnx.Reshape %x, %s : (tensor<4x8xf32>, tensor<2xi64>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
