// RUN: kiln-opt %s --kiln-gpu-launch-to-runtime | FileCheck %s
// A launch is a call to the runtime with the kernel's index (from its name), grid, block,
// shared bytes and its parameters in 8-byte slots as the NVVM lowering lays them out: a
// memref as allocated and aligned pointers (the aligned one twice), offset, sizes, strides; a
// float as its bits.

// CHECK: func.func private @kiln_rt_launch(i64, i64, i64, i64, i64, i64, i64, i64, i64, i64)
// CHECK: func.func @main(%[[BUF:.*]]: memref<?x4xf32>, %[[X:.*]]: f32, %[[N:.*]]: index)
// CHECK: %[[SLOTS:.*]] = memref.alloca() : memref<9xi64>
// CHECK: %[[BASE:.*]], %[[OFFSET:.*]], %[[SIZES:.*]]:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata %[[BUF]]
// CHECK: %[[PTR:.*]] = memref.extract_aligned_pointer_as_index %[[BUF]]
// CHECK: %[[P:.*]] = arith.index_cast %[[PTR]] : index to i64
// CHECK: %[[O:.*]] = arith.index_cast %[[OFFSET]] : index to i64
// CHECK: %[[S0:.*]] = arith.index_cast %[[SIZES]]#0 : index to i64
// CHECK: %[[BITS:.*]] = arith.bitcast %[[X]] : f32 to i32
// CHECK: %[[XS:.*]] = arith.extui %[[BITS]] : i32 to i64
// CHECK: memref.store %[[P]], %[[SLOTS]][%c0]
// CHECK: memref.store %[[P]], %[[SLOTS]][%c1_0]
// CHECK: memref.store %[[O]], %[[SLOTS]][%c2]
// CHECK: memref.store %[[S0]], %[[SLOTS]][%c3]
// CHECK: memref.store %[[XS]], %[[SLOTS]][%c7]
// CHECK: memref.store %{{.*}}, %[[SLOTS]][%c8]
// CHECK: %[[ADDR:.*]] = memref.extract_aligned_pointer_as_index %[[SLOTS]]
// CHECK: %[[A:.*]] = arith.index_cast %[[ADDR]] : index to i64
// CHECK: call @kiln_rt_launch(%c3_i64, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c0_i64, %[[A]], %c9_i64)
// CHECK-NOT: gpu.launch_func
module attributes {gpu.container_module} {
  func.func @main(%buf: memref<?x4xf32>, %x: f32, %n: index) {
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    gpu.launch_func @kiln_kernels::@kiln_kernel_3 blocks in (%n, %c1, %c1) threads in (%c256, %c1, %c1) args(%buf : memref<?x4xf32>, %x : f32, %n : index)
    return
  }
  gpu.module @kiln_kernels {
    gpu.func @kiln_kernel_3(%buf: memref<?x4xf32>, %x: f32, %n: index) kernel {
      gpu.return
    }
  }
}
