// RUN: kiln-opt %s -split-input-file --kiln-convert-onnx-to-linalg | FileCheck %s
// Casts between the two 16-bit float formats (same width, neither wider) go through f32.

// CHECK-LABEL: func.func @cast_bf16_to_f16
// CHECK: ^bb0(%[[X:.*]]: bf16, %{{.*}}: f16):
// CHECK: %[[W:.*]] = arith.extf %[[X]] : bf16 to f32
// CHECK: %[[N:.*]] = arith.truncf %[[W]] : f32 to f16
// CHECK: linalg.yield %[[N]] : f16
func.func @cast_bf16_to_f16(%a: tensor<2xbf16>) -> tensor<2xf16> {
  %0 = onnx.Cast %a {to = 10 : i64} : (tensor<2xbf16>) -> tensor<2xf16>
  return %0 : tensor<2xf16>
}

// -----

// CHECK-LABEL: func.func @cast_f16_to_bf16
// CHECK: ^bb0(%[[X:.*]]: f16, %{{.*}}: bf16):
// CHECK: %[[W:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK: %[[N:.*]] = arith.truncf %[[W]] : f32 to bf16
// CHECK: linalg.yield %[[N]] : bf16
func.func @cast_f16_to_bf16(%a: tensor<2xf16>) -> tensor<2xbf16> {
  %0 = onnx.Cast %a {to = 16 : i64} : (tensor<2xf16>) -> tensor<2xbf16>
  return %0 : tensor<2xbf16>
}
