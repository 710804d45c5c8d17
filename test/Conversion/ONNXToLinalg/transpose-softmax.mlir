// RUN: kiln-opt %s -split-input-file --kiln-convert-onnx-to-linalg | FileCheck %s
// Transpose becomes linalg.transpose (reversed dims without perm), Softmax linalg.softmax on
// the normalised axis, LogSoftmax the log of it; f16 softmax runs in f32. Constant and Identity
// lower to nothing more than an arith.constant and the operand.

// CHECK-LABEL: func.func @transpose_without_and_with_perm
// CHECK-SAME: (%[[A:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[E0:.*]] = tensor.empty() : tensor<4x3x2xf32>
// CHECK: %[[T0:.*]] = linalg.transpose ins(%[[A]] : tensor<2x3x4xf32>) outs(%[[E0]] : tensor<4x3x2xf32>) permutation = [2, 1, 0]
// CHECK: %[[E1:.*]] = tensor.empty() : tensor<3x4x2xf32>
// CHECK: %[[T1:.*]] = linalg.transpose ins(%[[A]] : tensor<2x3x4xf32>) outs(%[[E1]] : tensor<3x4x2xf32>) permutation = [1, 2, 0]
// CHECK: return %[[T0]], %[[T1]]
func.func @transpose_without_and_with_perm(%a: tensor<2x3x4xf32>) -> (tensor<4x3x2xf32>, tensor<3x4x2xf32>) {
  %0 = onnx.Transpose %a : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  %1 = onnx.Transpose %a {perm = array<i64: 1, 2, 0>} : (tensor<2x3x4xf32>) -> tensor<3x4x2xf32>
  return %0, %1 : tensor<4x3x2xf32>, tensor<3x4x2xf32>
}

// -----

// Dynamic dims are read from the permuted input dims; a less precise declared result type is
// reached with a tensor.cast.
// CHECK-LABEL: func.func @transpose_dynamic
// CHECK-SAME: (%[[A:.*]]: tensor<?x3x?xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[D2:.*]] = tensor.dim %[[A]], %[[C2]]
// CHECK-DAG: %[[D0:.*]] = tensor.dim %[[A]], %[[C0]]
// CHECK: %[[E:.*]] = tensor.empty(%[[D2]], %[[D0]]) : tensor<?x?x3xf32>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[A]] : tensor<?x3x?xf32>) outs(%[[E]] : tensor<?x?x3xf32>) permutation = [2, 0, 1]
// CHECK: %[[C:.*]] = tensor.cast %[[T]] : tensor<?x?x3xf32> to tensor<?x?x?xf32>
// CHECK: return %[[C]]
func.func @transpose_dynamic(%a: tensor<?x3x?xf32>) -> tensor<?x?x?xf32> {
  %0 = onnx.Transpose %a {perm = array<i64: 2, 0, 1>} : (tensor<?x3x?xf32>) -> tensor<?x?x?xf32>
  return %0 : tensor<?x?x?xf32>
}

// -----

// The default axis is -1; negative axes count from the back.
// CHECK-LABEL: func.func @softmax_axes
// CHECK-SAME: (%[[A:.*]]: tensor<2x3x4xf32>)
// CHECK: linalg.softmax dimension(2) ins(%[[A]] : tensor<2x3x4xf32>)
// CHECK: linalg.softmax dimension(1) ins(%[[A]] : tensor<2x3x4xf32>)
// CHECK: linalg.softmax dimension(0) ins(%[[A]] : tensor<2x3x4xf32>)
// CHECK: linalg.softmax dimension(1) ins(%[[A]] : tensor<2x3x4xf32>)
func.func @softmax_axes(%a: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>) {
  %0 = onnx.Softmax %a : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %1 = onnx.Softmax %a {axis = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %2 = onnx.Softmax %a {axis = -3 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %3 = onnx.Softmax %a {axis = -2 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %0, %1, %2, %3 : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3x4xf32>
}

// -----

// LogSoftmax: x - max - log(sum(exp(x - max))), never log(softmax); dynamic dims sized with
// tensor.dim.
// CHECK-LABEL: func.func @log_softmax_dynamic
// CHECK-SAME: (%[[A:.*]]: tensor<2x?xf32>)
// CHECK-NOT: linalg.softmax
// CHECK: %[[MAX:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[A]] : tensor<2x?xf32>) outs(%{{.*}} : tensor<2x1xf32>)
// CHECK: arith.maximumf
// CHECK: %[[SHIFT:.*]] = linalg.generic {{.*}} ins(%[[A]], %[[MAX]] : tensor<2x?xf32>, tensor<2x1xf32>)
// CHECK: arith.subf
// CHECK: math.exp
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]}
// CHECK: %[[L:.*]] = linalg.generic {{.*}} ins(%[[SHIFT]], %[[SUM]] : tensor<2x?xf32>, tensor<2x1xf32>)
// CHECK: math.log
// CHECK: arith.subf
// CHECK: return %[[L]]
func.func @log_softmax_dynamic(%a: tensor<2x?xf32>) -> tensor<2x?xf32> {
  %0 = onnx.LogSoftmax %a : (tensor<2x?xf32>) -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}

// -----

// CHECK-LABEL: func.func @softmax_f16_in_f32
// CHECK-SAME: (%[[A:.*]]: tensor<2x4xf16>)
// CHECK: %[[W:.*]] = linalg.generic {{.*}} ins(%[[A]] : tensor<2x4xf16>) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: %[[S:.*]] = linalg.softmax dimension(1) ins(%[[W]] : tensor<2x4xf32>)
// CHECK: %[[N:.*]] = linalg.generic {{.*}} ins(%[[S]] : tensor<2x4xf32>) outs(%{{.*}} : tensor<2x4xf16>)
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: return %[[N]] : tensor<2x4xf16>
func.func @softmax_f16_in_f32(%a: tensor<2x4xf16>) -> tensor<2x4xf16> {
  %0 = onnx.Softmax %a : (tensor<2x4xf16>) -> tensor<2x4xf16>
  return %0 : tensor<2x4xf16>
}

// -----

// CHECK-LABEL: func.func @constant_and_identity
// CHECK-SAME: (%[[A:.*]]: tensor<2x4xf32>)
// CHECK: %[[C:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
// CHECK: linalg.generic {{.*}} ins(%[[A]], %[[C]] : tensor<2x4xf32>, tensor<4xf32>)
// CHECK-NOT: onnx.
func.func @constant_and_identity(%a: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = onnx.Identity %a : (tensor<2x4xf32>) -> tensor<2x4xf32>
  %c = onnx.Constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %1 = onnx.Add %0, %c : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

// dense_resource weights stay a resource (no copy of the blob).
// CHECK-LABEL: func.func @constant_dense_resource
// CHECK: arith.constant dense_resource<weight> : tensor<2xf32>
func.func @constant_dense_resource() -> tensor<2xf32> {
  %0 = onnx.Constant dense_resource<weight> : tensor<2xf32>
  return %0 : tensor<2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      weight: "0x040000000000803F00000040"
    }
  }
#-}
