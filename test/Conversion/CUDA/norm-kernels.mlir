// RUN: kiln-opt %s --kiln-cuda-norm-kernels --canonicalize --cse | FileCheck %s
// A norm is one kernel with a block per row: strided f32 folds of the row, combined by a
// butterfly of warp shuffles and one value per warp in workgroup memory, then the row written
// by the same threads. Layer norm folds twice (the mean, then the centred squares); RMS norm
// once. Threads: the normalised length rounded up to a power of two, 32 to 256.

// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[X:.*]]: memref<?x?x64xf16>, %[[W:.*]]: memref<64xf16>, %[[BIAS:.*]]: memref<1x64xf32>, %[[O:.*]]: memref<?x?x64xf16>, %[[Y:.*]]: memref<?x300xf32>, %[[YW:.*]]: memref<300xf32>, %[[YO:.*]]: memref<?x300xf32>)
// CHECK: %[[B:.*]] = memref.dim %[[X]], %c0
// CHECK: %[[S:.*]] = memref.dim %[[X]], %c1
// CHECK: %[[ROWS:.*]] = arith.muli %[[B]], %[[S]]
// CHECK: %[[GRID:.*]] = arith.maxui %[[ROWS]], %c1
// CHECK: gpu.launch blocks(%[[ROW:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[GRID]], {{.*}}) threads(%[[T:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c64, {{.*}}) workgroup(%[[SCRATCH:.*]] : memref<2xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[ACTIVE:.*]] = arith.cmpi ult, %[[ROW]], %[[ROWS]]
// CHECK: %[[END:.*]] = arith.select %[[ACTIVE]], %c64, %c0
// CHECK: %[[I1:.*]] = arith.remui %[[ROW]], %[[S]]
// CHECK: %[[I0:.*]] = arith.divui %[[ROW]], %[[S]]
// CHECK: %[[SUM:.*]] = scf.for %[[C:.*]] = %[[T]] to %[[END]] step %c64 iter_args
// CHECK:   memref.load %[[X]][%[[I0]], %[[I1]], %[[C]]]
// CHECK:   arith.extf
// CHECK-COUNT-5: gpu.shuffle xor
// CHECK: scf.if
// CHECK:   memref.store %{{.*}}, %[[SCRATCH]]
// CHECK: gpu.barrier
// CHECK: memref.load %[[SCRATCH]][%c0]
// CHECK: memref.load %[[SCRATCH]][%c1]
// CHECK: gpu.barrier
// CHECK: %[[MEAN:.*]] = arith.divf %{{.*}}, %cst
// CHECK: scf.for
// CHECK:   arith.subf %{{.*}}, %[[MEAN]]
// CHECK-COUNT-5: gpu.shuffle xor
// CHECK: gpu.barrier
// CHECK: gpu.barrier
// CHECK: math.sqrt
// CHECK: %[[INV:.*]] = arith.divf %cst{{.*}}, %{{.*}}
// CHECK: scf.for %[[C2:.*]] = %[[T]] to %[[END]] step %c64
// CHECK:   %[[CENTRED:.*]] = arith.subf %{{.*}}, %[[MEAN]]
// CHECK:   arith.mulf %[[CENTRED]], %[[INV]]
// CHECK:   memref.load %[[W]][%[[C2]]]
// CHECK:   memref.load %[[BIAS]][%c0, %[[C2]]]
// CHECK:   arith.truncf %{{.*}} : f32 to f16
// CHECK:   memref.store %{{.*}}, %[[O]][%[[I0]], %[[I1]], %[[C2]]]
// CHECK: gpu.terminator
// The RMS norm of rows of 300: 256 threads (8 warps), one fold of the squares.
// CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c256, {{.*}}) workgroup(%{{.*}} : memref<8xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for
// CHECK:   memref.load %[[Y]]
// CHECK:   arith.mulf
// CHECK-COUNT-5: gpu.shuffle xor
// CHECK-NOT: arith.subf
// CHECK: math.sqrt
// CHECK: memref.store %{{.*}}, %[[YO]]
// CHECK-NOT: kiln.
func.func @main(%x: memref<?x?x64xf16>, %w: memref<64xf16>, %bias: memref<1x64xf32>, %o: memref<?x?x64xf16>, %y: memref<?x300xf32>, %yw: memref<300xf32>, %yo: memref<?x300xf32>) {
  kiln.layer_norm %x, %w bias(%bias : memref<1x64xf32>) outs(%o : memref<?x?x64xf16>) {epsilon = 1.0e-5 : f32} : memref<?x?x64xf16>, memref<64xf16>
  kiln.rms_norm %y, %yw outs(%yo : memref<?x300xf32>) {epsilon = 1.0e-6 : f32} : memref<?x300xf32>, memref<300xf32>
  return
}
