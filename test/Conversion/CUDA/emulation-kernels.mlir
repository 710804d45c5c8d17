// RUN: kiln-opt %s --split-input-file --kiln-cuda-emulation-kernels | FileCheck %s
// Each kernel gets a host twin for the emulated device: ids and barriers through the
// emulator, device globals as host globals, atomics as plain read-modify-writes, and every
// buffer access checked against the buffer's sizes (reported and skipped when out of bounds).

// CHECK: module attributes {gpu.container_module, kiln.emulation_barriers = ["kiln_kernel_0"], kiln.emulation_shadows = []}
// CHECK-DAG: func.func private @kiln_emu_id(i64, i64) -> i64
// CHECK-DAG: func.func private @kiln_emu_barrier(i64)
// CHECK-DAG: func.func private @kiln_emu_fault(i64, i64, i64, i64)
// CHECK: gpu.module @kiln_kernels
// CHECK: memref.global "public" @kiln_emu_kiln_error : memref<4xi64> = dense<0>
// CHECK: func.func @kiln_emu_kiln_kernel_0(%[[T:.*]]: i64, %[[BUF:.*]]: memref<?xf32>)
// CHECK: %[[TID:.*]] = call @kiln_emu_id(%[[T]], %c0_i64) : (i64, i64) -> i64
// CHECK: %[[I:.*]] = arith.index_cast %[[TID]] : i64 to index
// CHECK: %[[DIM:.*]] = memref.dim %[[BUF]], %c0
// CHECK-DAG: arith.cmpi sge, %[[I]], %c0
// CHECK-DAG: arith.cmpi slt, %[[I]], %[[DIM]]
// CHECK: %[[V:.*]] = scf.if %{{.*}} -> (f32) {
// CHECK:   %[[L:.*]] = memref.load %[[BUF]][%[[I]]]
// CHECK:   scf.yield %[[L]] : f32
// CHECK: } else {
// CHECK:   func.call @kiln_emu_fault(%[[T]], %c0_i64{{.*}}, %{{.*}}, %{{.*}})
// CHECK:   scf.yield %cst
// CHECK: call @kiln_emu_barrier(%[[T]]) : (i64) -> ()
// CHECK: memref.get_global @kiln_emu_kiln_error
// CHECK: memref.load
// CHECK: arith.addi
// CHECK: memref.store
// CHECK-NOT: generic_atomic_rmw
// CHECK: return
module attributes {gpu.container_module} {
  gpu.module @kiln_kernels {
    memref.global "public" @kiln_error : memref<4xi64> = dense<0>
    gpu.func @kiln_kernel_0(%buf: memref<?xf32>) kernel {
      %i = gpu.thread_id x
      %v = memref.load %buf[%i] : memref<?xf32>
      gpu.barrier
      %c0 = arith.constant 0 : index
      %one = arith.constant 1 : i64
      %record = memref.get_global @kiln_error : memref<4xi64>
      %old = memref.generic_atomic_rmw %record[%c0] : memref<4xi64> {
      ^bb0(%current: i64):
        %next = arith.addi %current, %one : i64
        memref.atomic_yield %next : i64
      }
      gpu.return
    }
  }
}

// -----

// Workgroup memory is a host global, with a byte per element set by every store and checked
// by every load: a read of an element no thread of the block wrote is reported.
// CHECK: kiln.emulation_shadows = {{\[}}["kiln_kernel_0", "kiln_emu_shadow_kiln_kernel_0_0", 64]]
// CHECK: func.func @kiln_emu_kiln_kernel_0(%[[T:.*]]: i64, %{{.*}}: f32)
// CHECK-DAG: %[[SHADOW:.*]] = memref.get_global @kiln_emu_shadow_kiln_kernel_0_0 : memref<64xi8>
// CHECK-DAG: %[[SHARED:.*]] = memref.get_global @kiln_emu_shared_kiln_kernel_0_0 : memref<64xf32>
// CHECK: memref.store %{{.*}}, %[[SHARED]]
// CHECK: memref.store %{{.*}}, %[[SHADOW]]
// CHECK: memref.load %[[SHADOW]]
// CHECK: %[[FRESH:.*]] = arith.cmpi eq, %{{.*}}, %c0_i8
// CHECK: scf.if %[[FRESH]] {
// CHECK:   func.call @kiln_emu_unwritten(%[[T]], %{{.*}}) : (i64, i64) -> ()
// CHECK: memref.load %[[SHARED]]
// CHECK: memref.global "private" @kiln_emu_shared_kiln_kernel_0_0 : memref<64xf32> = uninitialized
// CHECK: memref.global "public" @kiln_emu_shadow_kiln_kernel_0_0 : memref<64xi8> = uninitialized
module attributes {gpu.container_module} {
  gpu.module @kiln_kernels {
    gpu.func @kiln_kernel_0(%x: f32) workgroup(%shared : memref<64xf32, #gpu.address_space<workgroup>>) kernel {
      %i = gpu.thread_id x
      memref.store %x, %shared[%i] : memref<64xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %c63 = arith.constant 63 : index
      %j = arith.subi %c63, %i : index
      %v = memref.load %shared[%j] : memref<64xf32, #gpu.address_space<workgroup>>
      gpu.return
    }
  }
}

// -----

// A warp shuffle goes through the emulator, which exchanges the warp's 32-bit values once all
// of its threads have arrived: the value's bits and the valid flag (bit 32) come back in an
// i64. A kernel that shuffles runs its threads as fibers, as one with barriers does.
// CHECK: module attributes {gpu.container_module, kiln.emulation_barriers = ["kiln_kernel_0"]
// CHECK-DAG: func.func private @kiln_emu_shuffle(i64, i64, i64, i64, i64) -> i64
// CHECK: func.func @kiln_emu_kiln_kernel_0(%[[T:.*]]: i64, %[[X:.*]]: f32, %[[OUT:.*]]: memref<?xf32>)
// CHECK: %[[BITS:.*]] = arith.bitcast %[[X]] : f32 to i32
// CHECK-DAG: %[[B64:.*]] = arith.extui %[[BITS]] : i32 to i64
// CHECK-DAG: %[[MODE:.*]] = arith.constant 0 : i64
// CHECK: %[[R:.*]] = call @kiln_emu_shuffle(%[[T]], %[[B64]], %{{.*}}, %{{.*}}, %[[MODE]])
// CHECK: %[[LOW:.*]] = arith.trunci %[[R]] : i64 to i32
// CHECK: %[[V:.*]] = arith.bitcast %[[LOW]] : i32 to f32
// CHECK: %[[HIGH:.*]] = arith.shrui %[[R]], %{{.*}} : i64
// CHECK: %[[OK:.*]] = arith.trunci %[[HIGH]] : i64 to i1
// CHECK: arith.select %[[OK]], %[[V]], %[[X]]
// CHECK-NOT: gpu.shuffle
module attributes {gpu.container_module} {
  gpu.module @kiln_kernels {
    gpu.func @kiln_kernel_0(%x: f32, %out: memref<?xf32>) kernel {
      %offset = arith.constant 1 : i32
      %width = arith.constant 32 : i32
      %y, %ok = gpu.shuffle xor %x, %offset, %width : f32
      %r = arith.select %ok, %y, %x : f32
      %i = gpu.thread_id x
      memref.store %r, %out[%i] : memref<?xf32>
      gpu.return
    }
  }
}

// -----

// The warp matrix ops go through the emulator too (kiln_emu_matrix, the words of a fragment
// through one buffer at the twin's entry): ldmatrix reads the 8 elements of the row its lane
// addresses with a loop of checked, tracked loads of the block's shared memory (op 1 | tiles << 8 |
// transpose << 16), mma.sync passes A, B and C (op 3: bf16 operands, f32 accumulators); both
// wait for the warp, so the kernel runs its threads as fibers.
// CHECK: module attributes {gpu.container_module, kiln.emulation_barriers = ["kiln_kernel_0"]
// CHECK-DAG: func.func private @kiln_emu_matrix(i64, i64, memref<5xi64>)
// CHECK: func.func @kiln_emu_kiln_kernel_0(%[[T:.*]]: i64, %[[C:.*]]: vector<2x2xf32>, %{{.*}}: memref<2x2xf32>)
// CHECK: %[[SHARED:.*]] = memref.get_global @kiln_emu_shared_kiln_kernel_0_0 : memref<16x24xbf16>
// CHECK: %[[WORDS:.*]] = memref.alloca() : memref<5xi64>
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c8{{.*}} step %c1{{.*}} iter_args(%{{.*}} = %c0_i64{{.*}}, %{{.*}} = %c0_i64{{.*}}) -> (i64, i64)
// CHECK:   memref.load %[[SHARED]]
// CHECK: call @kiln_emu_matrix(%[[T]], %c1025_i64, %[[WORDS]])
// CHECK: vector.from_elements {{.*}} : vector<4x2xbf16>
// CHECK: scf.for
// CHECK:   memref.load %[[SHARED]]
// CHECK: call @kiln_emu_matrix(%[[T]], %c66049_i64, %[[WORDS]])
// CHECK: vector.from_elements {{.*}} : vector<2x2xbf16>
// CHECK: vector.shape_cast %[[C]] : vector<2x2xf32> to vector<4xf32>
// CHECK: call @kiln_emu_matrix(%[[T]], %c3_i64, %[[WORDS]])
// CHECK: vector.from_elements {{.*}} : vector<2x2xf32>
// CHECK-NOT: nvgpu.
// CHECK: return
module attributes {gpu.container_module} {
  gpu.module @kiln_kernels {
    gpu.func @kiln_kernel_0(%c: vector<2x2xf32>, %out: memref<2x2xf32>) workgroup(%a: memref<16x24xbf16, #gpu.address_space<workgroup>>) kernel {
      %i = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %fa = nvgpu.ldmatrix %a[%i, %c0] {numTiles = 4 : i32, transpose = false} : memref<16x24xbf16, #gpu.address_space<workgroup>> -> vector<4x2xbf16>
      %fb = nvgpu.ldmatrix %a[%i, %c0] {numTiles = 2 : i32, transpose = true} : memref<16x24xbf16, #gpu.address_space<workgroup>> -> vector<2x2xbf16>
      %d = nvgpu.mma.sync(%fa, %fb, %c) {mmaShape = [16, 8, 16]} : (vector<4x2xbf16>, vector<2x2xbf16>, vector<2x2xf32>) -> vector<2x2xf32>
      %e = vector.extract %d[0, 1] : f32 from vector<2x2xf32>
      memref.store %e, %out[%c0, %c0] : memref<2x2xf32>
      gpu.return
    }
  }
}
