// RUN: kiln-opt %s -split-input-file --kiln-convert-onnx-to-linalg --canonicalize | FileCheck %s
// Pad is one linalg.generic that reads each output element from its source coordinate; the
// pads are read at run time (they may be graph inputs) and negative pads crop.

// Reflect mode, pads a graph input: result dims in + low + high (at least 0); the source
// coordinate reflects with period 2(n-1) and is always inside, so no guard remains.
// CHECK-LABEL: func.func @reflect_runtime_pads
// CHECK-DAG: %[[C6:.*]] = arith.constant 6 : index
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[LOW0:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[HIGH0:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[LOW1:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[S0:.*]] = arith.addi %[[LOW0]], %{{.*}} : index
// CHECK: %[[S1:.*]] = arith.addi %[[S0]], %[[HIGH0]] : index
// CHECK: %[[D0:.*]] = arith.maxsi %[[S1]], %[[C0]] : index
// CHECK: tensor.empty(%[[D0]], %{{.*}}) : tensor<?x?xf32>
// CHECK: linalg.generic
// CHECK: %[[I1:.*]] = linalg.index 1 : index
// CHECK: %[[P1:.*]] = arith.subi %[[I1]], %[[LOW1]] : index
// CHECK: arith.remsi %[[P1]], %[[C6]] : index
// CHECK-NOT: scf.if
// CHECK: %[[E:.*]] = tensor.extract %arg0[%{{.*}}, %{{.*}}] : tensor<3x4xf32>
// CHECK: linalg.yield %[[E]] : f32
func.func @reflect_runtime_pads(%x: tensor<3x4xf32>, %pads: tensor<4xi64>) -> tensor<?x?xf32> {
  %0 = onnx.Pad %x, %pads {mode = "reflect"} : (tensor<3x4xf32>, tensor<4xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Constant mode with the axes a graph input: each dim takes the pads of the axes entries that
// name it; outside the input the padding value is read instead.
// CHECK-LABEL: func.func @constant_runtime_axes
// CHECK: %[[AXIS:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: arith.cmpi eq, %{{.*}}, %{{.*}} : index
// CHECK: %[[V:.*]] = tensor.extract %arg3[] : tensor<f32>
// CHECK: linalg.generic
// CHECK: %[[R:.*]] = scf.if %{{.*}} -> (f32) {
// CHECK: %[[E:.*]] = tensor.extract %arg0
// CHECK: scf.yield %[[E]] : f32
// CHECK: } else {
// CHECK: scf.yield %[[V]] : f32
// CHECK: linalg.yield %[[R]] : f32
func.func @constant_runtime_axes(%x: tensor<2x3xf32>, %pads: tensor<2xi64>, %axes: tensor<1xi64>, %value: tensor<f32>) -> tensor<?x?xf32> {
  %0 = onnx.Pad %x, %pads constant_value(%value) axes(%axes) : (tensor<2x3xf32>, tensor<2xi64>, tensor<f32>, tensor<1xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

