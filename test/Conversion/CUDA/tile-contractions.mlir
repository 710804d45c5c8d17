// RUN: kiln-opt %s --kiln-cuda-tile-contractions | FileCheck %s
// A batched contraction with a transposed operand: 16x16 blocks over (n, m), the batch in
// grid z, both operands staged per 16-wide k step in workgroup memory (zero outside), the op's
// own body folded over the tile from the output's value, barriers around the fold.

// CHECK-LABEL: func.func @main
// CHECK: %[[C16:.*]] = arith.constant 16 : index
// CHECK: gpu.launch blocks(%[[BX:.*]], %[[BY:.*]], %[[BZ:.*]]) in ({{.*}}) threads(%[[TX:.*]], %[[TY:.*]], %{{.*}}) in (%{{.*}} = %[[C16]], %{{.*}} = %[[C16]], {{.*}}) workgroup(%[[A:.*]] : memref<16x16xf32, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<16x16xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[INIT:.*]] = scf.if %{{.*}} -> (f32) {
// CHECK:   memref.load %arg2[%[[BZ]], %{{.*}}, %{{.*}}] : memref<?x?x?xf32>
// CHECK: %[[SUM:.*]] = scf.for %[[K0:.*]] = %{{.*}} to %{{.*}} step %[[C16]] iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32)
// CHECK:   %[[KA:.*]] = arith.addi %[[K0]], %[[TX]]
// CHECK:   memref.load %arg0[%[[BZ]], %{{.*}}, %[[KA]]]
// CHECK:   memref.store %{{.*}}, %[[A]][%[[TY]], %[[TX]]]
// CHECK:   %[[KB:.*]] = arith.addi %[[K0]], %[[TY]]
// CHECK:   memref.load %arg1[%[[BZ]], %{{.*}}, %[[KB]]]
// CHECK:   memref.store %{{.*}}, %[[B]][%[[TY]], %[[TX]]]
// CHECK:   gpu.barrier
// CHECK:   scf.for %[[I:.*]] = {{.*}} iter_args(%[[IN:.*]] = %[[ACC]])
// CHECK:     %[[X:.*]] = memref.load %[[A]][%[[TY]], %[[I]]]
// CHECK:     %[[Y:.*]] = memref.load %[[B]][%[[I]], %[[TX]]]
// CHECK:     %[[P:.*]] = arith.mulf %[[X]], %[[Y]]
// CHECK:     %[[S:.*]] = arith.addf %[[IN]], %[[P]]
// CHECK:     scf.yield %[[S]]
// CHECK:   gpu.barrier
// CHECK: scf.if
// CHECK:   memref.store %[[SUM]], %arg2[%[[BZ]],
// CHECK-NOT: linalg.generic
#a = affine_map<(b, m, n, k) -> (b, m, k)>
#bt = affine_map<(b, m, n, k) -> (b, n, k)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @main(%x: memref<?x?x?xf32>, %w: memref<?x?x?xf32>, %out: memref<?x?x?xf32>) {
  linalg.generic {indexing_maps = [#a, #bt, #c],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x?x?xf32>, memref<?x?x?xf32>) outs(%out : memref<?x?x?xf32>) {
  ^bb0(%l: f32, %r: f32, %acc: f32):
    %p = arith.mulf %l, %r : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
