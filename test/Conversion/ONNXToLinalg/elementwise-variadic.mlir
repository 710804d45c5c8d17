// RUN: kiln-opt %s -split-input-file --kiln-convert-onnx-to-linalg | FileCheck %s
// onnx Max and Min are variadic (one or more operands, broadcast together): the generic folds
// every operand, and never reads its uninitialised init tensor.

// CHECK-LABEL: func.func @max_three_operands
// CHECK: ^bb0(%[[A:.*]]: f32, %[[B:.*]]: f32, %[[C:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[AB:.*]] = arith.maximumf %[[A]], %[[B]] : f32
// CHECK: %[[ABC:.*]] = arith.maximumf %[[AB]], %[[C]] : f32
// CHECK: linalg.yield %[[ABC]] : f32
func.func @max_three_operands(%a: tensor<2xf32>, %b: tensor<2xf32>, %c: tensor<2xf32>) -> tensor<2xf32> {
  %0 = onnx.Max %a, %b, %c : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// CHECK-LABEL: func.func @min_three_operands_int
// CHECK: ^bb0(%[[A:.*]]: i32, %[[B:.*]]: i32, %[[C:.*]]: i32, %{{.*}}: i32):
// CHECK: %[[AB:.*]] = arith.minsi %[[A]], %[[B]] : i32
// CHECK: %[[ABC:.*]] = arith.minsi %[[AB]], %[[C]] : i32
// CHECK: linalg.yield %[[ABC]] : i32
func.func @min_three_operands_int(%a: tensor<2xi32>, %b: tensor<2xi32>, %c: tensor<2xi32>) -> tensor<2xi32> {
  %0 = onnx.Min %a, %b, %c : (tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

// One operand: the result is that operand (no maximum with the init tensor's contents).
// CHECK-LABEL: func.func @max_single_operand
// CHECK-NOT: arith.maximumf
// CHECK: return
func.func @max_single_operand(%a: tensor<2xf32>) -> tensor<2xf32> {
  %0 = onnx.Max %a : (tensor<2xf32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
