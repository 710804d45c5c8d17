// RUN: kiln-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(kiln-results-in-place))' | FileCheck %s

// A result computed into its own buffer and copied out is computed in the output itself
// (through a cast where the output's dims are dynamic and the buffer's static).
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[X:.*]]: memref<4xf32>, %[[OUT:.*]]: memref<?xf32>
// CHECK: %[[CAST:.*]] = memref.cast %[[OUT]] : memref<?xf32> to memref<4xf32>
// CHECK: linalg.exp ins(%[[X]] : memref<4xf32>) outs(%[[CAST]] : memref<4xf32>)
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy
func.func @main(%x: memref<4xf32>, %out: memref<?xf32>) {
  %buf = memref.alloc() : memref<4xf32>
  linalg.exp ins(%x : memref<4xf32>) outs(%buf : memref<4xf32>)
  memref.copy %buf, %out : memref<4xf32> to memref<?xf32>
  return
}

// -----

// Not when the buffer is read after the copy, copied to a second output, or when the output
// is also read by something else.
// CHECK-LABEL: func.func @main(
// CHECK: %[[A:.*]] = memref.alloc
// CHECK: memref.copy %[[A]], %{{.*}}
// CHECK: memref.copy %[[A]], %{{.*}}
// CHECK: %[[B:.*]] = memref.alloc
// CHECK: memref.copy %[[B]], %{{.*}}
func.func @main(%x: memref<4xf32>, %out0: memref<4xf32>, %out1: memref<4xf32>, %out2: memref<4xf32>) {
  %a = memref.alloc() : memref<4xf32>
  linalg.exp ins(%x : memref<4xf32>) outs(%a : memref<4xf32>)
  memref.copy %a, %out0 : memref<4xf32> to memref<4xf32>
  memref.copy %a, %out1 : memref<4xf32> to memref<4xf32>
  %b = memref.alloc() : memref<4xf32>
  linalg.exp ins(%out0 : memref<4xf32>) outs(%b : memref<4xf32>)
  memref.copy %b, %out2 : memref<4xf32> to memref<4xf32>
  linalg.exp ins(%b : memref<4xf32>) outs(%x : memref<4xf32>)
  return
}
