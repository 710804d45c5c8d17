// RUN: kiln-opt %s --kiln-outline-parallel-loops --canonicalize --split-input-file | FileCheck %s

// A 3-D elementwise loop: the two outer dims become the launch's range (their product), the
// innermost stays a loop of static trip count inside the body; the grain makes a chunk at
// least 32768 innermost iterations (ceil(32768 / 768) = 43 rows).
// CHECK-LABEL: func.func @bias_add
// CHECK-SAME: (%[[X:.*]]: memref<?x?x768xf32>, %[[B:.*]]: memref<768xf32>, %[[Y:.*]]: memref<?x?x768xf32>)
// CHECK-DAG: %[[GRAIN:.*]] = arith.constant 43 : index
// CHECK-DAG: %[[D0:.*]] = memref.dim %[[X]], %c0
// CHECK-DAG: %[[D1:.*]] = memref.dim %[[X]], %c1
// CHECK: %[[N:.*]] = arith.muli
// CHECK: call @kiln_parallel_launch_0(%[[N]], %[[GRAIN]], %[[X]], %[[B]], %[[Y]], %[[D0]], %[[D1]])
// CHECK-NOT: scf.parallel
// CHECK: func.func private @kiln_parallel_body_0(%[[BEGIN:.*]]: index, %[[END:.*]]: index, %[[BX:.*]]: memref<?x?x768xf32>, %[[BB:.*]]: memref<768xf32>, %[[BY:.*]]: memref<?x?x768xf32>, %{{.*}}: index, %[[BD1:.*]]: index)
// CHECK-DAG: %[[C768:.*]] = arith.constant 768 : index
// CHECK: scf.for %[[L:.*]] = %[[BEGIN]] to %[[END]]
// CHECK: %[[TRIP:.*]] = arith.maxsi %[[BD1]]
// CHECK: %[[J:.*]] = arith.remui %[[L]], %[[TRIP]]
// CHECK: %[[I:.*]] = arith.divui %[[L]], %[[TRIP]]
// CHECK: scf.for %[[K:.*]] = %c0 to %[[C768]]
// CHECK: memref.load %[[BX]][%[[I]], %[[J]], %[[K]]]
// CHECK: memref.store %{{.*}}, %[[BY]][%[[I]], %[[J]], %[[K]]]
// CHECK: func.func private @kiln_parallel_launch_0(index, index, memref<?x?x768xf32>, memref<768xf32>, memref<?x?x768xf32>, index, index)
func.func @bias_add(%x: memref<?x?x768xf32>, %b: memref<768xf32>, %y: memref<?x?x768xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c768 = arith.constant 768 : index
  %d0 = memref.dim %x, %c0 : memref<?x?x768xf32>
  %d1 = memref.dim %x, %c1 : memref<?x?x768xf32>
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%d0, %d1, %c768) step (%c1, %c1, %c1) {
    %a = memref.load %x[%i, %j, %k] : memref<?x?x768xf32>
    %c = memref.load %b[%k] : memref<768xf32>
    %s = arith.addf %a, %c : f32
    memref.store %s, %y[%i, %j, %k] : memref<?x?x768xf32>
    scf.reduce
  }
  return
}

// -----

// A row reduction: the sequential reduction loop inside counts as work per row (grain
// ceil(32768 / 4096) = 8); a 1-D parallel loop is chunked directly, without delinearisation.
// CHECK-LABEL: func.func @row_sum
// CHECK-DAG: %[[GRAIN:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[ROWS:.*]] = arith.constant 64 : index
// CHECK: call @kiln_parallel_launch_0(%[[ROWS]], %[[GRAIN]], %{{.*}}, %{{.*}})
// CHECK: func.func private @kiln_parallel_body_0(%[[BEGIN:.*]]: index, %[[END:.*]]: index,
// CHECK-NOT: arith.divui
// CHECK: scf.for %[[I:.*]] = %[[BEGIN]] to %[[END]]
// CHECK: scf.for %{{.*}} = %c0 to %c4096
func.func @row_sum(%x: memref<64x4096xf32>, %y: memref<64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c4096 = arith.constant 4096 : index
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    scf.for %k = %c0 to %c4096 step %c1 {
      %a = memref.load %x[%i, %k] : memref<64x4096xf32>
      %acc = memref.load %y[%i] : memref<64xf32>
      %s = arith.addf %a, %acc : f32
      memref.store %s, %y[%i] : memref<64xf32>
    }
    scf.reduce
  }
  return
}

// -----

// Only the outermost loop of a nest is outlined (the inner one counts as work per iteration:
// grain ceil(32768 / 8) = 4096); a loop with reduction results is left alone.
// CHECK-LABEL: func.func @nested_and_reducing
// CHECK-DAG: %[[GRAIN:.*]] = arith.constant 4096 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK: call @kiln_parallel_launch_0(%[[C8]], %[[GRAIN]], %{{.*}})
// CHECK: scf.parallel
// CHECK: scf.reduce(
// CHECK: func.func private @kiln_parallel_body_0(
// CHECK: scf.parallel
// CHECK-NOT: func.func private @kiln_parallel_body_1
func.func @nested_and_reducing(%x: memref<8x8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    scf.parallel (%j) = (%c0) to (%c8) step (%c1) {
      memref.store %zero, %x[%i, %j] : memref<8x8xf32>
      scf.reduce
    }
    scf.reduce
  }
  %sum = scf.parallel (%i) = (%c0) to (%c8) step (%c1) init (%zero) -> f32 {
    %v = memref.load %x[%i, %c0] : memref<8x8xf32>
    scf.reduce(%v : f32) {
    ^bb0(%a: f32, %b: f32):
      %r = arith.addf %a, %b : f32
      scf.reduce.return %r : f32
    }
  }
  return %sum : f32
}
