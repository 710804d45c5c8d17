// RUN: kiln-opt %s --split-input-file --kiln-cuda-map-kernels | FileCheck %s
// Every access to buffer data in @main moves to the GPU: a parallel loop becomes a launch with
// one thread per (linearised) iteration, a host loop over buffers and a lone store run as a
// single thread, a load left on the host reads device memory through the runtime, and a
// reshape whose shape is in a buffer reads its sizes that way.

// CHECK-LABEL: func.func @main
// CHECK: %[[N0:.*]] = arith.ceildivsi
// CHECK: %[[T0:.*]] = arith.muli %{{.*}}, %[[N0]]
// CHECK: %[[N1:.*]] = arith.ceildivsi
// CHECK: %[[TOTAL:.*]] = arith.muli %[[T0]], %[[N1]]
// CHECK: %[[C256:.*]] = arith.constant 256 : index
// CHECK: %[[B:.*]] = arith.ceildivsi %[[TOTAL]], %[[C256]]
// CHECK: %[[BLOCKS:.*]] = arith.maxsi %[[B]], %{{.*}}
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[BLOCKS]], %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%[[BDX:.*]] = %[[C256]],
// CHECK: %[[BASE:.*]] = arith.muli %[[BX]], %[[BDX]]
// CHECK: %[[LIN:.*]] = arith.addi %[[BASE]], %[[TX]]
// CHECK: %[[IN:.*]] = arith.cmpi slt, %[[LIN]], %[[TOTAL]]
// CHECK: scf.if %[[IN]] {
// CHECK: %[[J:.*]] = arith.remsi %[[LIN]], %[[N1]]
// CHECK: %[[I:.*]] = arith.divsi %[[LIN]], %[[N1]]
// CHECK: memref.load %arg0[%{{.*}}, %{{.*}}]
// CHECK: memref.store
// CHECK: gpu.terminator
// CHECK-NOT: scf.parallel
func.func @main(%in: memref<?x8xf32>, %out: memref<?x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %n = memref.dim %in, %c0 : memref<?x8xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c8) step (%c1, %c1) {
    %v = memref.load %in[%i, %j] : memref<?x8xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %out[%i, %j] : memref<?x8xf32>
    scf.reduce
  }
  return
}

// -----

// A reduction over all dims is a host loop: it runs as the one thread of a one-block launch.
// CHECK-LABEL: func.func @main
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %[[ONE:.*]], {{.*}} = %[[ONE1:.*]], {{.*}} = %[[ONE1]]) threads({{.*}}) in ({{.*}} = %[[ONE]], {{.*}} = %[[ONE1]], {{.*}} = %[[ONE1]])
// CHECK-NEXT: scf.for
// CHECK: gpu.terminator
func.func @main(%in: memref<16xf32>, %out: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  scf.for %i = %c0 to %c16 step %c1 {
    %v = memref.load %in[%i] : memref<16xf32>
    %s = memref.load %out[] : memref<f32>
    %t = arith.addf %s, %v : f32
    memref.store %t, %out[] : memref<f32>
  }
  return
}

// -----

// A store left on the host runs in a kernel; a load whose value the host needs (an allocation
// size) is copied from device memory.
// CHECK-LABEL: func.func @main
// CHECK: gpu.launch
// CHECK-NEXT: memref.store %{{.*}}, %arg1[%{{.*}}] : memref<1xi64>
// CHECK-NEXT: gpu.terminator
// CHECK: %[[SLOT:.*]] = memref.alloca() : memref<1xi64>
// CHECK: %[[BASE:.*]] = memref.extract_aligned_pointer_as_index %arg0
// CHECK: call @kiln_rt_device_read(%{{.*}}, %{{.*}}, %{{.*}}) : (i64, i64, i64) -> ()
// CHECK: %[[N:.*]] = memref.load %[[SLOT]]
// CHECK: %[[SIZE:.*]] = arith.index_cast %[[N]]
// CHECK: memref.alloc(%[[SIZE]])
// CHECK: func.func private @kiln_rt_device_read(i64, i64, i64)
func.func @main(%size: memref<1xi64>, %copy: memref<1xi64>) {
  %c0 = arith.constant 0 : index
  %c7 = arith.constant 7 : i64
  memref.store %c7, %copy[%c0] : memref<1xi64>
  %n = memref.load %size[%c0] : memref<1xi64>
  %i = arith.index_cast %n : i64 to index
  %buffer = memref.alloc(%i) : memref<?xf32>
  memref.dealloc %buffer : memref<?xf32>
  return
}

// -----

// A reshape to a shape held in a buffer: its dynamic sizes are read on the host, the view is
// a reinterpret_cast with row-major strides.
// CHECK-LABEL: func.func @main
// CHECK: call @kiln_rt_device_read
// CHECK: %[[D1:.*]] = memref.load
// CHECK: %[[S1:.*]] = arith.index_cast %[[D1]] : i64 to index
// CHECK: memref.reinterpret_cast %arg0 to offset: [0], sizes: [2, %[[S1]]], strides: [%{{.*}}, 1] : memref<?xf32> to memref<2x?xf32>
// CHECK-NOT: memref.reshape
func.func @main(%in: memref<?xf32>, %shape: memref<2xi64>) -> memref<2x?xf32> {
  %r = memref.reshape %in(%shape) : (memref<?xf32>, memref<2xi64>) -> memref<2x?xf32>
  return %r : memref<2x?xf32>
}
