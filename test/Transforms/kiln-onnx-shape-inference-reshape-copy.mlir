// RUN: kiln-opt %s --kiln-onnx-shape-inference | FileCheck %s

// A dim copied by 0 cancels out of the element count, so the -1 is known even though the
// copied dim is dynamic: [?, 3, 4] to [0, -1] is [?, 12] (onnx's own inference says so too).
// CHECK-LABEL: func.func @reshape_copied_dynamic_dim
// CHECK: onnx.Reshape %{{.*}}, %{{.*}} : (tensor<?x3x4xf32>, tensor<2xi64>) -> tensor<?x12xf32>
// CHECK: onnx.Reshape %{{.*}}, %{{.*}} : (tensor<?x?x4x8xf32>, tensor<3xi64>) -> tensor<?x?x32xf32>
func.func @reshape_copied_dynamic_dim(%x: tensor<?x3x4xf32>, %y: tensor<?x?x4x8xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %keep_rest = onnx.Constant dense<[0, -1]> : tensor<2xi64>
  %merge_heads = onnx.Constant dense<[0, 0, -1]> : tensor<3xi64>
  %0 = onnx.Reshape %x, %keep_rest : (tensor<?x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  %1 = onnx.Reshape %y, %merge_heads : (tensor<?x?x4x8xf32>, tensor<3xi64>) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}
