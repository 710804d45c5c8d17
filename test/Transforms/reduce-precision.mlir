// RUN: kiln-opt %s --kiln-reduce-precision=precision=fp16 --split-input-file | FileCheck %s
// RUN: kiln-opt %s --kiln-reduce-precision=precision=bf16 --split-input-file | FileCheck %s --check-prefix=BF16
// RUN: not kiln-opt %s --kiln-reduce-precision=precision=fp8 --split-input-file 2>&1 | FileCheck %s --check-prefix=BAD

// A projection: the activation gets one Cast (shared by both matmuls), the weights are
// rounded at compile time (1.0 -> 0x3C00, 0.1 -> 0x2E66 in f16; 0x3F80, 0x3DCD in bf16), the
// bias, the epilogue and the results stay f32.
// CHECK-LABEL: func.func @projection
// CHECK-SAME: (%[[X:.*]]: tensor<?x2xf32>)
// CHECK: %[[XL:.*]] = onnx.Cast %[[X]] {to = 10 : i64} : (tensor<?x2xf32>) -> tensor<?x2xf16>
// CHECK-NOT: onnx.Cast
// CHECK: %[[W:.*]] = onnx.Constant dense_resource<kiln_reduced> : tensor<2x2xf16>
// CHECK: tfm.matmul %[[XL]], %[[W]] bias(%{{.*}} : tensor<2xf32>) {activation = #tfm.activation<relu>} : tensor<?x2xf16>, tensor<2x2xf16> -> tensor<?x2xf32>
// CHECK: tfm.matmul %[[XL]], %{{.*}} : tensor<?x2xf16>, tensor<2x2xf16> -> tensor<?x2xf32>
// CHECK-NOT: onnx.MatMul
// CHECK: kiln_reduced: "0x08000000003C662E003C662E"
// BF16-LABEL: func.func @projection
// BF16: onnx.Cast %{{.*}} {to = 16 : i64} : (tensor<?x2xf32>) -> tensor<?x2xbf16>
// BF16: kiln_reduced: "0x08000000803FCD3D803FCD3D"
func.func @projection(%x: tensor<?x2xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>) {
  %w = onnx.Constant dense<[[1.0, 0.1], [1.0, 0.1]]> : tensor<2x2xf32>
  %b = onnx.Constant dense<[0.5, 0.25]> : tensor<2xf32>
  %0 = tfm.matmul %x, %w bias(%b : tensor<2xf32>) {activation = #tfm.activation<relu>} : tensor<?x2xf32>, tensor<2x2xf32> -> tensor<?x2xf32>
  %1 = onnx.MatMul %x, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
  return %0, %1 : tensor<?x2xf32>, tensor<?x2xf32>
}

// -----

// Attention: Q, K and V in f16, the additive mask stays f32 (-3.4e38 would round to -inf).
// CHECK-LABEL: func.func @attention
// CHECK: tfm.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}} : tensor<1x1x4x4xf32>) {causal} : tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16>, tensor<1x2x4x8xf16> -> tensor<1x2x4x8xf32>
func.func @attention(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>,
                     %m: tensor<1x1x4x4xf32>) -> tensor<1x2x4x8xf32> {
  %0 = tfm.attention %q, %k, %v mask(%m : tensor<1x1x4x4xf32>) {causal} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

// A model already in f16 stays as it is, and so does a MatMul with a rank-1 operand.
// CHECK-LABEL: func.func @unchanged
// CHECK-NOT: onnx.Cast
// CHECK: tfm.matmul %{{.*}}, %{{.*}} : tensor<4x8xf16>, tensor<8x4xf16> -> tensor<4x4xf16>
// CHECK: onnx.MatMul %{{.*}}, %{{.*}} : (tensor<8xf32>, tensor<8x4xf32>) -> tensor<4xf32>
func.func @unchanged(%a: tensor<4x8xf16>, %b: tensor<8x4xf16>, %v: tensor<8xf32>,
                     %w: tensor<8x4xf32>) -> (tensor<4x4xf16>, tensor<4xf32>) {
  %0 = tfm.matmul %a, %b : tensor<4x8xf16>, tensor<8x4xf16> -> tensor<4x4xf16>
  %1 = onnx.MatMul %v, %w : (tensor<8xf32>, tensor<8x4xf32>) -> tensor<4xf32>
  return %0, %1 : tensor<4x4xf16>, tensor<4xf32>
}

// BAD: precision must be fp16 or bf16, not 'fp8'
