// RUN: kiln-opt %s --pass-pipeline='builtin.module(kiln-stage-onnx)' | FileCheck %s
// Constant folding of zero-element tensors: an empty operand has no first element to learn
// the element type from. Folding to an empty constant or leaving the op are both fine;
// crashing is not.

// CHECK-LABEL: func.func @empty_add
// CHECK: return %{{.*}} : tensor<0xi64>
func.func @empty_add() -> tensor<*xi64> {
  %a = onnx.Constant dense<> : tensor<0xi64>
  %0 = onnx.Add %a, %a : (tensor<0xi64>, tensor<0xi64>) -> tensor<*xi64>
  return %0 : tensor<*xi64>
}

// CHECK-LABEL: func.func @empty_equal
// CHECK: return %{{.*}} : tensor<2x0xi1>
func.func @empty_equal() -> tensor<*xi1> {
  %a = onnx.Constant dense<> : tensor<2x0xf32>
  %b = onnx.Constant dense<1.0> : tensor<f32>
  %0 = onnx.Equal %a, %b : (tensor<2x0xf32>, tensor<f32>) -> tensor<*xi1>
  return %0 : tensor<*xi1>
}
