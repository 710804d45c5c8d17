// RUN: kiln-opt %s --kiln-build-shapes-function --split-input-file | FileCheck %s

// Output dims in terms of input dims: the computation itself is gone from @main_shapes.
// CHECK-LABEL: func.func @main(
// CHECK-NOT: kiln.host_value
// CHECK-LABEL: func.func @main_shapes(
// CHECK-SAME: %[[X:.*]]: tensor<?x?xf32>, %[[DIMS:.*]]: memref<?xi64>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[D0:.*]] = tensor.dim %[[X]], %[[C0]]
// CHECK: %[[D0I:.*]] = arith.index_cast %[[D0]] : index to i64
// CHECK: memref.store %[[D0I]], %[[DIMS]][%[[C0]]]
// CHECK: %[[D1:.*]] = tensor.dim %[[X]], %[[C1]]
// CHECK: memref.store %{{.*}}, %[[DIMS]][%[[C1]]]
// CHECK-NOT: linalg
// CHECK: return
func.func @main(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %d0 = tensor.dim %x, %c0 : tensor<?x?xf32>
  %d1 = tensor.dim %x, %c1 : tensor<?x?xf32>
  %e = tensor.empty(%d0, %d1) : tensor<?x?xf32>
  %r = linalg.exp ins(%x : tensor<?x?xf32>) outs(%e : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// An output dim read from an input's values (a Reshape target): the input is marked.
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %{{.*}}: tensor<2xi64> {kiln.host_value}
// CHECK-LABEL: func.func @main_shapes(
// CHECK: tensor.extract
func.func @main(%x: tensor<6xf32>, %shape: tensor<2xi64>) -> tensor<?x?xf32> {
  %r = tensor.reshape %x(%shape) : (tensor<6xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

// -----

// Static outputs: no shapes function.
// CHECK-LABEL: func.func @main(
// CHECK-NOT: @main_shapes
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
