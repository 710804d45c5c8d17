// RUN: kiln-opt %s --kiln-cuda-plan-device-memory | FileCheck %s
// The entry's buffers become views of one arena, by lifetime: %b takes %a's slot once %a's
// last launch is issued, %c (live with %b) a second slot, and the dynamic %d (its size from
// the argument's dim, computed later in the entry, now at its start) slot 0 again, which is
// then as large as the largest of %a, %b and %d. %e, whose size is read from memory, and %f,
// freed inside a loop, keep their own allocations; the arena is freed where the entry ends.
// With static shapes the plan's size is known: @static's two buffers share one slot.

// CHECK: module attributes {gpu.container_module, kiln.memory_plan = "@main: 4 of 6 buffers in 2 slots of one arena (its size an expression of the dims)\0A@static: 2 of 2 buffers in 1 slots of one arena, 256 bytes for 128 bytes of buffers\0A"}
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[ARG:.*]]: memref<?xf32>, %[[IDX:.*]]: memref<1xindex>
// CHECK: %[[DIM:.*]] = memref.dim %[[ARG]], %{{.*}} : memref<?xf32>
// CHECK: %[[N:.*]] = arith.muli %[[DIM]], %{{.*}} : index
// CHECK: %[[AB:.*]] = arith.maxui %{{.*}}, %{{.*}} : index
// CHECK: %[[DBYTES:.*]] = arith.muli %{{.*}}, %[[N]] : index
// CHECK: %[[SLOT0:.*]] = arith.maxui %[[AB]], %[[DBYTES]] : index
// CHECK: %[[CEIL:.*]] = arith.ceildivui %[[SLOT0]], %[[ALIGN:.*]] : index
// CHECK: %[[ROUNDED:.*]] = arith.muli %[[CEIL]], %[[ALIGN]] : index
// CHECK: %[[OFF1:.*]] = arith.addi %[[OFF0:.*]], %[[ROUNDED]] : index
// CHECK: %[[TOTAL:.*]] = arith.maxui %{{.*}}, %[[ALIGN]] : index
// CHECK: %[[ARENA:.*]] = memref.alloc(%[[TOTAL]]) {alignment = 256 : i64} : memref<?xi8>
// CHECK: %[[A:.*]] = memref.view %[[ARENA]][%[[OFF0]]][] : memref<?xi8> to memref<16xf32>
// CHECK: gpu.launch_func @kernels::@k16 {{.*}} args(%[[A]] : memref<16xf32>)
// CHECK: %[[B:.*]] = memref.view %[[ARENA]][%[[OFF0]]][] : memref<?xi8> to memref<64xf32>
// CHECK: %[[C:.*]] = memref.view %[[ARENA]][%[[OFF1]]][] : memref<?xi8> to memref<16xf32>
// CHECK: %[[D:.*]] = memref.view %[[ARENA]][%[[OFF0]]][%[[N]]] : memref<?xi8> to memref<?xf32>
// CHECK: %[[E:.*]] = memref.alloc(%{{.*}}) : memref<?xf32>
// CHECK: %[[F:.*]] = memref.alloc() : memref<16xf32>
// CHECK: memref.dealloc %[[F]]
// CHECK-NOT: memref.dealloc %[[A]]
// CHECK: memref.dealloc %[[E]]
// CHECK-NEXT: memref.dealloc %[[ARENA]]
// CHECK-NEXT: return

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k16(%x: memref<16xf32>) kernel { gpu.return }
    gpu.func @k64(%x: memref<64xf32>, %y: memref<16xf32>) kernel { gpu.return }
    gpu.func @kd(%x: memref<?xf32>) kernel { gpu.return }
  }
  func.func @main(%arg: memref<?xf32>, %idx: memref<1xindex>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %a = memref.alloc() : memref<16xf32>
    gpu.launch_func @kernels::@k16 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<16xf32>)
    %b = memref.alloc() : memref<64xf32>
    %c = memref.alloc() : memref<16xf32>
    gpu.launch_func @kernels::@k64 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%b : memref<64xf32>, %c : memref<16xf32>)
    %dim = memref.dim %arg, %c0 : memref<?xf32>
    %n = arith.muli %dim, %c4 : index
    %d = memref.alloc(%n) : memref<?xf32>
    gpu.launch_func @kernels::@kd blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%d : memref<?xf32>)
    %m = memref.load %idx[%c0] : memref<1xindex>
    %e = memref.alloc(%m) : memref<?xf32>
    gpu.launch_func @kernels::@kd blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%e : memref<?xf32>)
    %f = memref.alloc() : memref<16xf32>
    scf.for %i = %c0 to %c4 step %c1 {
      gpu.launch_func @kernels::@k16 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%f : memref<16xf32>)
      memref.dealloc %f : memref<16xf32>
    }
    memref.dealloc %a : memref<16xf32>
    memref.dealloc %b : memref<64xf32>
    memref.dealloc %c : memref<16xf32>
    memref.dealloc %d : memref<?xf32>
    memref.dealloc %e : memref<?xf32>
    return
  }
  func.func @static() {
    %c1 = arith.constant 1 : index
    %a = memref.alloc() : memref<16xf32>
    gpu.launch_func @kernels::@k16 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<16xf32>)
    %b = memref.alloc() : memref<16xf32>
    gpu.launch_func @kernels::@k16 blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%b : memref<16xf32>)
    memref.dealloc %a : memref<16xf32>
    memref.dealloc %b : memref<16xf32>
    return
  }
}
