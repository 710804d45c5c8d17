// RUN: kiln-opt %s --kiln-cuda-copies-to-linalg | FileCheck %s
// A copy between buffers is an elementwise op like any other on the GPU.
// CHECK-LABEL: func.func @main
// CHECK: linalg.copy ins(%arg0 : memref<?x4xf32, strided<[8, 1]>>) outs(%arg1 : memref<?x4xf32>)
// CHECK-NOT: memref.copy
func.func @main(%in: memref<?x4xf32, strided<[8, 1]>>, %out: memref<?x4xf32>) {
  memref.copy %in, %out : memref<?x4xf32, strided<[8, 1]>> to memref<?x4xf32>
  return
}
