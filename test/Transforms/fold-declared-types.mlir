// RUN: kiln-opt %s --pass-pipeline='builtin.module(kiln-stage-onnx)' | FileCheck %s
// A result type that shape inference cannot check (a runtime operand decides it) keeps what
// the model declared (value_info), and a folder must not trust it further than the data goes.
// Folders check element counts and slice extents against their operands, so a model whose
// value_info declares an impossible shape cannot make them read past their data.

// CHECK-LABEL: func.func @negative_reshape_declared_count_differs
// CHECK: onnx.Reshape %{{.*}}, %{{.*}} : (tensor<2xi64>, tensor<2xi64>) -> tensor<3x4xi64>
// CHECK-NOT: onnx.Constant dense<{{.*}}> : tensor<3x4xi64>
func.func @negative_reshape_declared_count_differs(%s: tensor<2xi64>) -> tensor<3x4xi64> {
  %d = onnx.Constant dense<[1, 2]> : tensor<2xi64>
  %0 = onnx.Reshape %d, %s : (tensor<2xi64>, tensor<2xi64>) -> tensor<3x4xi64>
  return %0 : tensor<3x4xi64>
}

// The end is a runtime value; the declared 10 elements are more than the data has.
// CHECK-LABEL: func.func @negative_slice_unknown_end
// CHECK: onnx.Slice %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<10xi64>
func.func @negative_slice_unknown_end(%e: tensor<1xi64>) -> tensor<10xi64> {
  %d = onnx.Constant dense<[1, 2, 3, 4]> : tensor<4xi64>
  %s = onnx.Constant dense<2> : tensor<1xi64>
  %0 = onnx.Slice %d, %s, %e : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<10xi64>
  return %0 : tensor<10xi64>
}
