// RUN: kiln-opt %s -split-input-file --kiln-convert-onnx-to-linalg | FileCheck %s
// MatMul becomes one linalg.generic contraction with numpy semantics: loops (batch..., m, n, k),
// k the only reduction, batch dims broadcast like elementwise operands, a rank-1 operand without
// its m or n loop, and f16/bf16 products accumulated in f32 and rounded once at the end.

// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @matmul_2d
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<3x4xf32>)
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x4xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%[[Z]] : f32) outs(%[[E]] : tensor<2x4xf32>)
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<2x3xf32>, tensor<3x4xf32>) outs(%[[F]] : tensor<2x4xf32>)
// CHECK: ^bb0(%[[X:.*]]: f32, %[[Y:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK: %[[P:.*]] = arith.mulf %[[X]], %[[Y]] : f32
// CHECK: %[[S:.*]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK: linalg.yield %[[S]] : f32
// CHECK: return %[[R]]
func.func @matmul_2d(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x4xf32> {
  %0 = onnx.MatMul %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// [b, s, k] x [k, n]: the weight has no batch dims; dynamic b and s are read from A.
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @matmul_batched_dynamic_by_weight
// CHECK-SAME: (%[[A:.*]]: tensor<?x?x8xf32>, %[[B:.*]]: tensor<8x16xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[D0:.*]] = tensor.dim %[[A]], %[[C0]]
// CHECK-DAG: %[[D1:.*]] = tensor.dim %[[A]], %[[C1]]
// CHECK: %[[E:.*]] = tensor.empty(%[[D0]], %[[D1]]) : tensor<?x?x16xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] : tensor<?x?x16xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: outs(%[[F]] : tensor<?x?x16xf32>)
func.func @matmul_batched_dynamic_by_weight(%a: tensor<?x?x8xf32>, %b: tensor<8x16xf32>) -> tensor<?x?x16xf32> {
  %0 = onnx.MatMul %a, %b : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  return %0 : tensor<?x?x16xf32>
}

// -----

// Static 1 batch dims on either side broadcast: [1, h, m, k] x [b, 1, k, n] -> [b, h, m, n].
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (0, d1, d2, d4)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, 0, d4, d3)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @matmul_batch_broadcast
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: outs(%{{.*}} : tensor<2x4x5x6xf32>)
func.func @matmul_batch_broadcast(%a: tensor<1x4x5x3xf32>, %b: tensor<2x1x3x6xf32>) -> tensor<2x4x5x6xf32> {
  %0 = onnx.MatMul %a, %b : (tensor<1x4x5x3xf32>, tensor<2x1x3x6xf32>) -> tensor<2x4x5x6xf32>
  return %0 : tensor<2x4x5x6xf32>
}

// -----

// A static 1 batch dim broadcasts against a dynamic one, which sizes the result (from B).
// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3) -> (0, d1, d3)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-LABEL: func.func @matmul_batch_broadcast_dynamic
// CHECK-SAME: (%[[A:.*]]: tensor<1x5x3xf32>, %[[B:.*]]: tensor<?x3x?xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[BATCH:.*]] = tensor.dim %[[B]], %[[C0]]
// CHECK-DAG: %[[N:.*]] = tensor.dim %[[B]], %[[C2]]
// CHECK: tensor.empty(%[[BATCH]], %[[N]]) : tensor<?x5x?xf32>
// CHECK: linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #{{.*}}]
func.func @matmul_batch_broadcast_dynamic(%a: tensor<1x5x3xf32>, %b: tensor<?x3x?xf32>) -> tensor<?x5x?xf32> {
  %0 = onnx.MatMul %a, %b : (tensor<1x5x3xf32>, tensor<?x3x?xf32>) -> tensor<?x5x?xf32>
  return %0 : tensor<?x5x?xf32>
}

// -----

// A rank-1 A has no m loop, a rank-1 B no n loop; 1-D x 1-D is a dot product to a 0-d tensor.
// CHECK-DAG: #[[VEC_K:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[BATCHED_B:.*]] = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
// CHECK-DAG: #[[OUT3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[MAT:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[VEC:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[OUT2:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[DOT:.*]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @matmul_rank1_operands
// CHECK: linalg.generic {indexing_maps = [#[[VEC_K]], #[[BATCHED_B]], #[[OUT3]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[MAT]], #[[VEC]], #[[OUT2]]], iterator_types = ["parallel", "reduction"]}
// CHECK-SAME: outs(%{{.*}} : tensor<4xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[DOT]], #[[DOT]], #[[SCALAR]]], iterator_types = ["reduction"]}
// CHECK-SAME: outs(%{{.*}} : tensor<f32>)
func.func @matmul_rank1_operands(%v: tensor<3xf32>, %b: tensor<2x3x4xf32>, %m: tensor<4x3xf32>)
    -> (tensor<2x4xf32>, tensor<4xf32>, tensor<f32>) {
  %0 = onnx.MatMul %v, %b : (tensor<3xf32>, tensor<2x3x4xf32>) -> tensor<2x4xf32>
  %1 = onnx.MatMul %m, %v : (tensor<4x3xf32>, tensor<3xf32>) -> tensor<4xf32>
  %2 = onnx.MatMul %v, %v : (tensor<3xf32>, tensor<3xf32>) -> tensor<f32>
  return %0, %1, %2 : tensor<2x4xf32>, tensor<4xf32>, tensor<f32>
}

// -----

// f16 operands: extended to f32 in the body, accumulated in an f32 tensor, then one truncf.
// CHECK-LABEL: func.func @matmul_f16_accumulates_in_f32
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x4xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%[[Z]] : f32) outs(%[[E]] : tensor<2x4xf32>)
// CHECK: %[[ACC:.*]] = linalg.generic
// CHECK-SAME: outs(%[[F]] : tensor<2x4xf32>)
// CHECK: ^bb0(%[[X:.*]]: f16, %[[Y:.*]]: f16, %[[O:.*]]: f32):
// CHECK: %[[XW:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK: %[[YW:.*]] = arith.extf %[[Y]] : f16 to f32
// CHECK: %[[P:.*]] = arith.mulf %[[XW]], %[[YW]] : f32
// CHECK: arith.addf %[[O]], %[[P]] : f32
// CHECK: -> tensor<2x4xf32>
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[ACC]] : tensor<2x4xf32>) outs(%{{.*}} : tensor<2x4xf16>)
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: return %[[R]] : tensor<2x4xf16>
func.func @matmul_f16_accumulates_in_f32(%a: tensor<2x3xf16>, %b: tensor<3x4xf16>) -> tensor<2x4xf16> {
  %0 = onnx.MatMul %a, %b : (tensor<2x3xf16>, tensor<3x4xf16>) -> tensor<2x4xf16>
  return %0 : tensor<2x4xf16>
}
