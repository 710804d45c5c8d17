// RUN: kiln-opt %s --kiln-raise-matmul-epilogue --split-input-file | FileCheck %s

// BERT's FFN as exported: MatMul, bias Add, GELU (already tfm.gelu).
// CHECK-LABEL: func.func @bias_gelu
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x32xf32>, %[[W:.*]]: tensor<32x64xf32>, %[[B:.*]]: tensor<64xf32>)
// CHECK: %[[Y:.*]] = tfm.matmul %[[X]], %[[W]] bias(%[[B]] : tensor<64xf32>) {activation = #tfm.activation<gelu>} : tensor<?x?x32xf32>, tensor<32x64xf32> -> tensor<?x?x64xf32>
// CHECK-NEXT: return %[[Y]]
func.func @bias_gelu(%x: tensor<?x?x32xf32>, %w: tensor<32x64xf32>, %b: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %0 = onnx.MatMul %x, %w : (tensor<?x?x32xf32>, tensor<32x64xf32>) -> tensor<?x?x64xf32>
  %1 = onnx.Add %b, %0 : (tensor<64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %2 = tfm.gelu %1 : tensor<?x?x64xf32>
  return %2 : tensor<?x?x64xf32>
}

// -----

// nn.Linear on 2-D input as Gemm(transB = 1) then Relu.
// CHECK-LABEL: func.func @gemm_relu
// CHECK: tfm.matmul %arg0, %arg1 bias(%arg2 : tensor<10xf32>) {activation = #tfm.activation<relu>, transpose_rhs} : tensor<4x32xf32>, tensor<10x32xf32> -> tensor<4x10xf32>
func.func @gemm_relu(%x: tensor<4x32xf32>, %w: tensor<10x32xf32>, %b: tensor<10xf32>) -> tensor<4x10xf32> {
  %0 = onnx.Gemm %x, %w C(%b) {transB = 1 : i64} : (tensor<4x32xf32>, tensor<10x32xf32>, tensor<10xf32>) -> tensor<4x10xf32>
  %1 = onnx.Relu %0 : (tensor<4x10xf32>) -> tensor<4x10xf32>
  return %1 : tensor<4x10xf32>
}

// -----

// LLaMA's gate: F.silu(x @ Wg) is Mul(v, Sigmoid(v)).
// CHECK-LABEL: func.func @silu
// CHECK: tfm.matmul %arg0, %arg1 {activation = #tfm.activation<silu>}
// CHECK-NOT: onnx.Sigmoid
func.func @silu(%x: tensor<2x5x64xf32>, %w: tensor<64x128xf32>) -> tensor<2x5x128xf32> {
  %0 = onnx.MatMul %x, %w : (tensor<2x5x64xf32>, tensor<64x128xf32>) -> tensor<2x5x128xf32>
  %1 = onnx.Sigmoid %0 : (tensor<2x5x128xf32>) -> tensor<2x5x128xf32>
  %2 = onnx.Mul %0, %1 : (tensor<2x5x128xf32>, tensor<2x5x128xf32>) -> tensor<2x5x128xf32>
  return %2 : tensor<2x5x128xf32>
}

// -----

// negative_: a residual Add is not a bias, and a bare MatMul has no epilogue.
// CHECK-LABEL: func.func @negative_residual
// CHECK-NOT: tfm.matmul
// CHECK: onnx.MatMul
// CHECK: onnx.Add
func.func @negative_residual(%x: tensor<2x5x64xf32>, %w: tensor<64x64xf32>, %r: tensor<2x5x64xf32>) -> tensor<2x5x64xf32> {
  %0 = onnx.MatMul %x, %w : (tensor<2x5x64xf32>, tensor<64x64xf32>) -> tensor<2x5x64xf32>
  %1 = onnx.Add %0, %r : (tensor<2x5x64xf32>, tensor<2x5x64xf32>) -> tensor<2x5x64xf32>
  return %1 : tensor<2x5x64xf32>
}

// -----

// negative_: the MatMul result is also used elsewhere, so the bias cannot be folded in.
// CHECK-LABEL: func.func @negative_shared_result
// CHECK-NOT: tfm.matmul
func.func @negative_shared_result(%x: tensor<2x5x64xf32>, %w: tensor<64x64xf32>, %b: tensor<64xf32>) -> (tensor<2x5x64xf32>, tensor<2x5x64xf32>) {
  %0 = onnx.MatMul %x, %w : (tensor<2x5x64xf32>, tensor<64x64xf32>) -> tensor<2x5x64xf32>
  %1 = onnx.Add %0, %b : (tensor<2x5x64xf32>, tensor<64xf32>) -> tensor<2x5x64xf32>
  return %0, %1 : tensor<2x5x64xf32>, tensor<2x5x64xf32>
}
