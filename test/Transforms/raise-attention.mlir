// RUN: kiln-opt %s --kiln-raise-attention --split-input-file | FileCheck %s

// BERT as torch.onnx.export writes it (test/models/bert_tiny.onnx): head split by Reshape +
// Transpose(0,2,1,3) for Q and V, one Transpose(0,2,3,1) for Kᵀ, scores / sqrt(d), additive
// mask, Softmax, P·V, Transpose(0,2,1,3) back. All transposes fold into bshd layouts.
// CHECK-LABEL: func.func @bert
// CHECK-SAME: (%[[Q:.*]]: tensor<?x?x4x8xf32>, %[[K:.*]]: tensor<?x?x4x8xf32>, %[[V:.*]]: tensor<?x?x4x8xf32>, %[[M:.*]]: tensor<?x1x1x?xf32>)
// CHECK: %[[O:.*]] = tfm.attention %[[Q]], %[[K]], %[[V]] mask(%[[M]] : tensor<?x1x1x?xf32>) {key_layout = #tfm.layout<bshd>, output_layout = #tfm.layout<bshd>, query_layout = #tfm.layout<bshd>, scale = 0.353553385 : f32, value_layout = #tfm.layout<bshd>}
// CHECK-NOT: onnx.Softmax
// CHECK-NOT: onnx.Transpose
// CHECK: return %[[O]]
func.func @bert(%q: tensor<?x?x4x8xf32>, %k: tensor<?x?x4x8xf32>, %v: tensor<?x?x4x8xf32>, %mask: tensor<?x1x1x?xf32>) -> tensor<?x?x4x8xf32> {
  %c = onnx.Constant dense<2.82842708> : tensor<f32>
  %0 = onnx.Transpose %q {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x4x8xf32>) -> tensor<?x4x?x8xf32>
  %1 = onnx.Transpose %k {perm = array<i64: 0, 2, 3, 1>} : (tensor<?x?x4x8xf32>) -> tensor<?x4x8x?xf32>
  %2 = onnx.MatMul %0, %1 : (tensor<?x4x?x8xf32>, tensor<?x4x8x?xf32>) -> tensor<?x4x?x?xf32>
  %3 = onnx.Transpose %v {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x4x8xf32>) -> tensor<?x4x?x8xf32>
  %4 = onnx.Div %2, %c : (tensor<?x4x?x?xf32>, tensor<f32>) -> tensor<?x4x?x?xf32>
  %5 = onnx.Add %4, %mask : (tensor<?x4x?x?xf32>, tensor<?x1x1x?xf32>) -> tensor<?x4x?x?xf32>
  %6 = onnx.Softmax %5 : (tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
  %7 = onnx.MatMul %6, %3 : (tensor<?x4x?x?xf32>, tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32>
  %8 = onnx.Transpose %7 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x4x?x8xf32>) -> tensor<?x?x4x8xf32>
  return %8 : tensor<?x?x4x8xf32>
}

// -----

// The scale split as sqrt(scale) on Q and on K (before K's transpose), bhsd operands, K
// transposed by (0,1,3,2), a boolean mask through Where, no head-merge transpose.
// CHECK-LABEL: func.func @split_scale_where_mask
// CHECK-SAME: (%[[Q:.*]]: tensor<1x2x5x16xf32>, %[[K:.*]]: tensor<1x2x5x16xf32>, %[[V:.*]]: tensor<1x2x5x16xf32>, %[[M:.*]]: tensor<1x1x5x5xi1>)
// CHECK: tfm.attention %[[Q]], %[[K]], %[[V]] mask(%[[M]] : tensor<1x1x5x5xi1>) {scale = 2.500000e-01 : f32}
// CHECK-NOT: onnx.Softmax
func.func @split_scale_where_mask(%q: tensor<1x2x5x16xf32>, %k: tensor<1x2x5x16xf32>, %v: tensor<1x2x5x16xf32>, %m: tensor<1x1x5x5xi1>) -> tensor<1x2x5x16xf32> {
  %s = onnx.Constant dense<5.000000e-01> : tensor<f32>
  %neg = onnx.Constant dense<-3.40282347E+38> : tensor<f32>
  %0 = onnx.Mul %q, %s : (tensor<1x2x5x16xf32>, tensor<f32>) -> tensor<1x2x5x16xf32>
  %1 = onnx.Mul %k, %s : (tensor<1x2x5x16xf32>, tensor<f32>) -> tensor<1x2x5x16xf32>
  %2 = onnx.Transpose %1 {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x5x16xf32>) -> tensor<1x2x16x5xf32>
  %3 = onnx.MatMul %0, %2 : (tensor<1x2x5x16xf32>, tensor<1x2x16x5xf32>) -> tensor<1x2x5x5xf32>
  %4 = onnx.Where %m, %3, %neg : (tensor<1x1x5x5xi1>, tensor<1x2x5x5xf32>, tensor<f32>) -> tensor<1x2x5x5xf32>
  %5 = onnx.Softmax %4 {axis = -1 : i64} : (tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  %6 = onnx.MatMul %5, %v : (tensor<1x2x5x5xf32>, tensor<1x2x5x16xf32>) -> tensor<1x2x5x16xf32>
  return %6 : tensor<1x2x5x16xf32>
}

// -----

// negative_: a softmax over the query axis is not attention.
// CHECK-LABEL: func.func @negative_wrong_axis
// CHECK-NOT: tfm.attention
// CHECK: onnx.Softmax %{{.*}} {axis = 2 : i64, kiln.fusion_miss = "softmax is not over the last (key) axis"}
func.func @negative_wrong_axis(%q: tensor<1x2x5x16xf32>, %kt: tensor<1x2x16x5xf32>, %v: tensor<1x2x5x16xf32>) -> tensor<1x2x5x16xf32> {
  %0 = onnx.MatMul %q, %kt : (tensor<1x2x5x16xf32>, tensor<1x2x16x5xf32>) -> tensor<1x2x5x5xf32>
  %1 = onnx.Softmax %0 {axis = 2 : i64} : (tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  %2 = onnx.MatMul %1, %v : (tensor<1x2x5x5xf32>, tensor<1x2x5x16xf32>) -> tensor<1x2x5x16xf32>
  return %2 : tensor<1x2x5x16xf32>
}

// -----

// negative_: a "mask" computed from the scores themselves depends on the values.
// CHECK-LABEL: func.func @negative_value_dependent_mask
// CHECK-NOT: tfm.attention
// CHECK: kiln.fusion_miss = "the mask depends on the scores"
func.func @negative_value_dependent_mask(%q: tensor<1x2x5x16xf32>, %k: tensor<1x2x5x16xf32>, %v: tensor<1x2x5x16xf32>) -> tensor<1x2x5x16xf32> {
  %0 = onnx.Transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x5x16xf32>) -> tensor<1x2x16x5xf32>
  %1 = onnx.MatMul %q, %0 : (tensor<1x2x5x16xf32>, tensor<1x2x16x5xf32>) -> tensor<1x2x5x5xf32>
  %2 = onnx.Neg %1 : (tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  %3 = onnx.Add %1, %2 : (tensor<1x2x5x5xf32>, tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  %4 = onnx.Softmax %3 : (tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  %5 = onnx.MatMul %4, %v : (tensor<1x2x5x5xf32>, tensor<1x2x5x16xf32>) -> tensor<1x2x5x16xf32>
  return %5 : tensor<1x2x5x16xf32>
}

// -----

// negative_: a scale applied after the mask would scale the mask too.
// CHECK-LABEL: func.func @negative_scaled_mask
// CHECK-NOT: tfm.attention
// CHECK: kiln.fusion_miss = "the scale multiplies the mask too"
func.func @negative_scaled_mask(%q: tensor<1x2x5x16xf32>, %k: tensor<1x2x5x16xf32>, %v: tensor<1x2x5x16xf32>, %m: tensor<1x1x1x5xf32>) -> tensor<1x2x5x16xf32> {
  %s = onnx.Constant dense<2.500000e-01> : tensor<f32>
  %0 = onnx.Transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x5x16xf32>) -> tensor<1x2x16x5xf32>
  %1 = onnx.MatMul %q, %0 : (tensor<1x2x5x16xf32>, tensor<1x2x16x5xf32>) -> tensor<1x2x5x5xf32>
  %2 = onnx.Add %1, %m : (tensor<1x2x5x5xf32>, tensor<1x1x1x5xf32>) -> tensor<1x2x5x5xf32>
  %3 = onnx.Mul %2, %s : (tensor<1x2x5x5xf32>, tensor<f32>) -> tensor<1x2x5x5xf32>
  %4 = onnx.Softmax %3 : (tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  %5 = onnx.MatMul %4, %v : (tensor<1x2x5x5xf32>, tensor<1x2x5x16xf32>) -> tensor<1x2x5x16xf32>
  return %5 : tensor<1x2x5x16xf32>
}
