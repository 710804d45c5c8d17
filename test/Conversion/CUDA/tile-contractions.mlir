// RUN: kiln-opt %s --split-input-file --kiln-cuda-tile-contractions --mlir-print-debuginfo \
// RUN:   | FileCheck %s

// A batched contraction with a transposed operand and dynamic sizes: 16x16 threads over 64x64
// tiles (n in grid x, m in y, the batch in z), 4x4 outputs per thread in registers starting
// from the output's values, both operands staged per 16-wide k step in workgroup memory (zero
// outside; the rhs rows padded by 16 against bank conflicts), the op's own body folded 16
// times per step, barriers around the fold, each output stored where it is in bounds.

// CHECK-LABEL: func.func @main
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK: gpu.launch blocks(%[[BX:.*]], %[[BY:.*]], %[[BZ:.*]]) in ({{.*}}) threads(%[[TX:.*]], %[[TY:.*]], %{{.*}}) in (%{{.*}} = %[[C16]], %{{.*}} = %[[C16]], {{.*}}) workgroup(%[[A:.*]] : memref<64x16xf32, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<16x80xf32, #gpu.address_space<workgroup>>)
// CHECK-COUNT-16: memref.load %arg2[%[[BZ]], %{{.*}}, %{{.*}}] : memref<?x?x?xf32>
// CHECK: %[[SUMS:.*]]:16 = scf.for %[[K0:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK:   %[[KA:.*]] = arith.addi %[[K0]], %[[TX]]
// CHECK:   %[[KB:.*]] = arith.addi %[[K0]], %[[TY]]
// CHECK:   memref.load %arg0[%[[BZ]], %{{.*}}, %[[KA]]]
// CHECK:   memref.store %{{.*}}, %[[A]][%[[TY]], %[[TX]]]
// CHECK-COUNT-3: memref.store %{{.*}}, %[[A]][%{{.*}}, %[[TX]]]
// CHECK:   memref.load %arg1[%[[BZ]], %{{.*}}, %[[KB]]]
// CHECK:   memref.store %{{.*}}, %[[B]][%[[TY]], %[[TX]]]
// CHECK-COUNT-3: memref.store %{{.*}}, %[[B]][%[[TY]], %{{.*}}]
// CHECK:   gpu.barrier
// CHECK:   scf.for %[[I:.*]] = {{.*}} iter_args(%[[IN:.*]] = {{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK:     %[[X:.*]] = memref.load %[[A]][%[[TY]], %[[I]]]
// CHECK:     %[[Y:.*]] = memref.load %[[B]][%[[I]], %[[TX]]]
// CHECK-COUNT-16: arith.mulf
// CHECK:     scf.yield
// CHECK:   gpu.barrier
// CHECK-COUNT-16: memref.store %{{.*}}, %arg2[%[[BZ]],
// CHECK-NOT: linalg.generic
// CHECK: kernel = "64x64x16 tile, 4x4 per thread, f32 FMA"
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

// -----

// Static sizes with few blocks: 5x20 outputs take one 16x16 tile, one output per thread. The
// fill of a fresh buffer is the accumulators' start and the bias add the kernel's epilogue:
// the product never reaches memory, and neither the fill nor the add is left.

// CHECK-LABEL: func.func @main
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: gpu.launch {{.*}} workgroup(%{{.*}} : memref<16x16xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<16x16xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[SUM:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[ZERO]]) -> (f32)
// CHECK: scf.if
// CHECK:   %[[BIAS:.*]] = memref.load %arg2[%{{.*}}] : memref<20xf32>
// CHECK:   %[[Y:.*]] = arith.addf %[[SUM]], %[[BIAS]]
// CHECK:   memref.store %[[Y]], %arg3[%{{.*}}, %{{.*}}] : memref<5x20xf32>
// CHECK-NOT: linalg.
// CHECK: kernel = "16x16x16 tile, 1x1 per thread, f32 FMA, fill, epilogue"
#lhs = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (k, n)>
#out = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(m, n) -> (m, n)>
#row = affine_map<(m, n) -> (n)>
func.func @main(%x: memref<5x24xf32>, %w: memref<24x20xf32>, %bias: memref<20xf32>,
                %y: memref<5x20xf32>) {
  %zero = arith.constant 0.0 : f32
  %acc = memref.alloc() : memref<5x20xf32>
  linalg.fill ins(%zero : f32) outs(%acc : memref<5x20xf32>)
  linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<5x24xf32>, memref<24x20xf32>) outs(%acc : memref<5x20xf32>) {
  ^bb0(%l: f32, %r: f32, %a: f32):
    %p = arith.mulf %l, %r : f32
    %s = arith.addf %a, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%acc, %bias : memref<5x20xf32>, memref<20xf32>) outs(%y : memref<5x20xf32>) {
  ^bb0(%v: f32, %b: f32, %o: f32):
    %s = arith.addf %v, %b : f32
    linalg.yield %s : f32
  }
  memref.dealloc %acc : memref<5x20xf32>
  return
}

// -----

// The product has a second reader: no epilogue, the result is stored; the fill still seeds.

// CHECK-LABEL: func.func @main
// CHECK: gpu.launch
// CHECK: memref.store %{{.*}}, %[[ACC:.*]][%{{.*}}, %{{.*}}] : memref<5x20xf32>
// CHECK: linalg.generic
// CHECK: linalg.copy
// CHECK: kernel = "16x16x16 tile, 1x1 per thread, f32 FMA, fill"
#lhs = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (k, n)>
#out = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(m, n) -> (m, n)>
#row = affine_map<(m, n) -> (n)>
func.func @main(%x: memref<5x24xf32>, %w: memref<24x20xf32>, %bias: memref<20xf32>,
                %y: memref<5x20xf32>, %z: memref<5x20xf32>) {
  %zero = arith.constant 0.0 : f32
  %acc = memref.alloc() : memref<5x20xf32>
  linalg.fill ins(%zero : f32) outs(%acc : memref<5x20xf32>)
  linalg.generic {indexing_maps = [#lhs, #rhs, #out],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<5x24xf32>, memref<24x20xf32>) outs(%acc : memref<5x20xf32>) {
  ^bb0(%l: f32, %r: f32, %a: f32):
    %p = arith.mulf %l, %r : f32
    %s = arith.addf %a, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%acc, %bias : memref<5x20xf32>, memref<20xf32>) outs(%y : memref<5x20xf32>) {
  ^bb0(%v: f32, %b: f32, %o: f32):
    %s = arith.addf %v, %b : f32
    linalg.yield %s : f32
  }
  linalg.copy ins(%acc : memref<5x20xf32>) outs(%z : memref<5x20xf32>)
  return
}
