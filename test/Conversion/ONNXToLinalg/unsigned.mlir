// RUN: kiln-opt %s -split-input-file --kiln-convert-onnx-to-linalg | FileCheck %s
// Unsigned integers compute on their bits as signless scalars (casts that the LLVM lowering
// folds: both become the same LLVM integer), with the unsigned forms of the ops where
// signedness matters.

// CHECK-LABEL: func.func @div_unsigned
// CHECK: linalg.generic {{.*}} ins(%arg0, %arg1 : tensor<4xui32>, tensor<4xui32>)
// CHECK: ^bb0(%[[X:.*]]: ui32, %[[Y:.*]]: ui32, %{{.*}}: ui32):
// CHECK-DAG: %[[A:.*]] = builtin.unrealized_conversion_cast %[[X]] : ui32 to i32
// CHECK-DAG: %[[B:.*]] = builtin.unrealized_conversion_cast %[[Y]] : ui32 to i32
// CHECK: arith.cmpi eq, %[[B]]
// CHECK: %[[Q:.*]] = arith.divui %[[A]]
// CHECK: builtin.unrealized_conversion_cast %{{.*}} : i32 to ui32
func.func @div_unsigned(%a: tensor<4xui32>, %b: tensor<4xui32>) -> tensor<4xui32> {
  %0 = onnx.Div %a, %b : (tensor<4xui32>, tensor<4xui32>) -> tensor<4xui32>
  return %0 : tensor<4xui32>
}

// -----

// CHECK-LABEL: func.func @less_unsigned
// CHECK: arith.cmpi ult
// CHECK-NOT: unrealized_conversion_cast %{{.*}} : i1
func.func @less_unsigned(%a: tensor<3xui8>, %b: tensor<3xui8>) -> tensor<3xi1> {
  %0 = onnx.Less %a, %b : (tensor<3xui8>, tensor<3xui8>) -> tensor<3xi1>
  return %0 : tensor<3xi1>
}

// -----

// Wrapping arithmetic is the same on unsigned bits.
// CHECK-LABEL: func.func @add_unsigned
// CHECK: arith.addi %{{.*}}, %{{.*}} : i16
// CHECK: builtin.unrealized_conversion_cast %{{.*}} : i16 to ui16
func.func @add_unsigned(%a: tensor<2xui16>, %b: tensor<2xui16>) -> tensor<2xui16> {
  %0 = onnx.Add %a, %b : (tensor<2xui16>, tensor<2xui16>) -> tensor<2xui16>
  return %0 : tensor<2xui16>
}

// -----

// An unsigned maximum: identity 0, unsigned ordering.
// CHECK-LABEL: func.func @reduce_max_unsigned
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i8
// CHECK: %[[INIT:.*]] = builtin.unrealized_conversion_cast %[[ZERO]] : i8 to ui8
// CHECK: linalg.fill ins(%[[INIT]] : ui8)
// CHECK: arith.maxui
func.func @reduce_max_unsigned(%x: tensor<3x4xui8>) -> tensor<3xui8> {
  %axes = onnx.Constant dense<1> : tensor<1xi64>
  %0 = onnx.ReduceMax %x axes(%axes) {keepdims = 0 : i64} : (tensor<3x4xui8>, tensor<1xi64>) -> tensor<3xui8>
  return %0 : tensor<3xui8>
}
