// RUN: kiln-opt %s -split-input-file --kiln-convert-onnx-to-linalg --canonicalize | FileCheck %s
// Slice with constant axes and positive steps is a tensor.extract_slice; with axes or steps
// read at run time (or negative steps) it is one linalg.generic reading in[start + i * step]
// per dim, each dim taking the entries whose axis names it, clamped as ONNX says.

// CHECK-LABEL: func.func @constant_axes
// CHECK: tensor.extract_slice %arg0
// CHECK-NOT: linalg.generic
func.func @constant_axes(%x: tensor<4x6xf32>, %starts: tensor<1xi64>, %ends: tensor<1xi64>) -> tensor<4x?xf32> {
  %axes = onnx.Constant dense<[1]> : tensor<1xi64>
  %0 = onnx.Slice %x, %starts, %ends axes(%axes) : (tensor<4x6xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4x?xf32>
  return %0 : tensor<4x?xf32>
}

// -----

// CHECK-LABEL: func.func @runtime_axes_and_steps
// CHECK: %[[WRAPPED:.*]] = arith.addi %{{.*}}, %c2 : index
// CHECK: %[[AXIS:.*]] = arith.select %{{.*}}, %[[WRAPPED]], %{{.*}} : index
// CHECK-NEXT: %[[NAMED0:.*]] = arith.cmpi eq, %[[AXIS]], %c0 : index
// CHECK-NEXT: %[[NAMED1:.*]] = arith.cmpi eq, %[[AXIS]], %c1 : index
// CHECK: arith.ceildivsi
// CHECK: arith.select %[[NAMED0]]
// CHECK: arith.ceildivsi
// CHECK: arith.select %[[NAMED1]]
// CHECK: %[[INIT:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?xf32>
// CHECK: linalg.generic {{.*}} outs(%[[INIT]] : tensor<?x?xf32>)
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[OFF:.*]] = arith.muli %[[I]], %{{.*}} : index
// CHECK: %[[ROW:.*]] = arith.addi %{{.*}}, %[[OFF]] : index
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: tensor.extract %arg0[%[[ROW]], %{{.*}}] : tensor<4x6xf32>
func.func @runtime_axes_and_steps(%x: tensor<4x6xf32>, %starts: tensor<1xi64>, %ends: tensor<1xi64>, %axes: tensor<1xi64>, %steps: tensor<1xi64>) -> tensor<?x?xf32> {
  %0 = onnx.Slice %x, %starts, %ends axes(%axes) steps(%steps) : (tensor<4x6xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
