// RUN: kiln-opt %s --split-input-file --kiln-cuda-map-row-reductions | FileCheck %s
// A row reduction (out[i] = combine(out[i], f(in[i, k])) over k) is one block of 64 threads
// per output: strided private folds from the combiner's neutral element, a tree in workgroup
// memory with a barrier after each of its log2(64) steps, thread 0 combining into out[i].

// CHECK-LABEL: func.func @main
// CHECK: %[[ROWS:.*]] = arith.muli
// CHECK: %[[BLOCKS:.*]] = arith.maxsi %[[ROWS]], %{{.*}}
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: gpu.launch blocks(%[[B:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[BLOCKS]], {{.*}}) threads(%[[T:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C64]], {{.*}}) workgroup(%[[SHARED:.*]] : memref<64xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[ACTIVE:.*]] = arith.cmpi slt, %[[B]], %[[ROWS]]
// CHECK: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[FOLD:.*]] = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[ACC:.*]] = %[[NEG]]) -> (f32)
// CHECK:   %[[X:.*]] = memref.load %arg0[%{{.*}}, %[[K]]]
// CHECK:   %[[M:.*]] = arith.maximumf %[[ACC]], %[[X]] : f32
// CHECK:   scf.yield %[[M]]
// CHECK: memref.store %[[FOLD]], %[[SHARED]][%[[T]]]
// CHECK: gpu.barrier
// CHECK: scf.for
// CHECK:   scf.if
// CHECK:     arith.maximumf
// CHECK:   gpu.barrier
// CHECK: scf.if
// CHECK:   %[[PREV:.*]] = memref.load %arg1[
// CHECK:   %[[TOTAL:.*]] = memref.load %[[SHARED]][
// CHECK:   %[[R:.*]] = arith.maximumf %[[PREV]], %[[TOTAL]]
// CHECK:   memref.store %[[R]], %arg1[
// CHECK-NOT: scf.parallel
func.func @main(%in: memref<?x?xf32>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = memref.dim %in, %c0 : memref<?x?xf32>
  %cols = memref.dim %in, %c1 : memref<?x?xf32>
  scf.parallel (%i) = (%c0) to (%rows) step (%c1) {
    scf.for %k = %c0 to %cols step %c1 {
      %x = memref.load %in[%i, %k] : memref<?x?xf32>
      %m = memref.load %out[%i] : memref<?xf32>
      %r = arith.maximumf %m, %x : f32
      memref.store %r, %out[%i] : memref<?xf32>
    }
    scf.reduce
  }
  return
}

// -----

// A contraction reads two operands along the reduction: not a row reduction.
// CHECK-LABEL: func.func @main
// CHECK-NOT: gpu.launch
// CHECK: scf.parallel
func.func @main(%a: memref<4x8xf32>, %b: memref<8xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      %x = memref.load %a[%i, %k] : memref<4x8xf32>
      %y = memref.load %b[%k] : memref<8xf32>
      %p = arith.mulf %x, %y : f32
      %s = memref.load %out[%i] : memref<4xf32>
      %r = arith.addf %s, %p : f32
      memref.store %r, %out[%i] : memref<4xf32>
    }
    scf.reduce
  }
  return
}
