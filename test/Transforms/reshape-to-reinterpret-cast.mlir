// RUN: kiln-opt %s --split-input-file --kiln-reshape-to-reinterpret-cast | FileCheck %s

// The dims stored one by one become the cast's sizes, with row-major strides (static while
// the dims after them are), and the shape buffer goes.
// CHECK-LABEL: func.func @stored_dims
// CHECK-SAME: (%[[X:.*]]: memref<?x?x32xf32>, %[[B:.*]]: i64, %[[S:.*]]: i64)
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.store
// CHECK-DAG: %[[BI:.*]] = arith.index_cast %[[B]] : i64 to index
// CHECK-DAG: %[[SI:.*]] = arith.index_cast %[[S]] : i64 to index
// CHECK: %[[STRIDE:.*]] = arith.muli %[[SI]], %{{.*}} : index
// CHECK: memref.reinterpret_cast %[[X]] to offset: [0], sizes: [%[[BI]], %[[SI]], 4, 8], strides: [%[[STRIDE]], 32, 8, 1] : memref<?x?x32xf32> to memref<?x?x4x8xf32>
// CHECK-NOT: memref.reshape
func.func @stored_dims(%x: memref<?x?x32xf32>, %b: i64, %s: i64) -> memref<?x?x4x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : i64
  %c8 = arith.constant 8 : i64
  %shape = memref.alloc() : memref<4xi64>
  memref.store %b, %shape[%c0] : memref<4xi64>
  memref.store %s, %shape[%c1] : memref<4xi64>
  memref.store %c4, %shape[%c2] : memref<4xi64>
  memref.store %c8, %shape[%c3] : memref<4xi64>
  %r = memref.reshape %x(%shape) : (memref<?x?x32xf32>, memref<4xi64>) -> memref<?x?x4x8xf32>
  return %r : memref<?x?x4x8xf32>
}

// -----

// A shape buffer that is read elsewhere, or not written at every index, stays.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-2: memref.reshape
func.func @kept(%x: memref<?xf32>, %n: i64) -> (memref<?x1xf32>, memref<?x1xf32>, i64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1 : i64
  %a = memref.alloc() : memref<2xi64>
  memref.store %n, %a[%c0] : memref<2xi64>
  memref.store %one, %a[%c1] : memref<2xi64>
  %r1 = memref.reshape %x(%a) : (memref<?xf32>, memref<2xi64>) -> memref<?x1xf32>
  %read = memref.load %a[%c0] : memref<2xi64>
  %b = memref.alloc() : memref<2xi64>
  memref.store %n, %b[%c0] : memref<2xi64>
  %r2 = memref.reshape %x(%b) : (memref<?xf32>, memref<2xi64>) -> memref<?x1xf32>
  return %r1, %r2, %read : memref<?x1xf32>, memref<?x1xf32>, i64
}
