// RUN: kiln-opt %s --gpu-kernel-outlining --kiln-cuda-merge-kernel-modules --kiln-cuda-lower-runtime-errors --kiln-lower-host-runtime-errors | FileCheck %s
// Outlined kernels move into one gpu.module @kiln_kernels, numbered in launch order, with
// their names, origins and launch sizes recorded for the artifact; a kernel's index check claims the
// module's error record with a compare-and-swap (site numbers from 1), and a check in host
// code calls the runtime.

// CHECK: module attributes {gpu.container_module, kiln.error_sites = ["Gather node 'embed' (axis 0)"], kiln.kernel_launches = ["1x1x1 1x1x1", "1x1x1 1x1x1"], kiln.kernel_origins = ["first (Add)", "second (Gather)"], kiln.kernels = ["kiln_kernel_0", "kiln_kernel_1"]}
// CHECK: func.func @main
// CHECK: gpu.launch_func @kiln_kernels::@kiln_kernel_0
// CHECK: gpu.launch_func @kiln_kernels::@kiln_kernel_1
// CHECK: call @kiln_rt_index_error
// CHECK: gpu.module @kiln_kernels
// CHECK: memref.global "public" @kiln_error : memref<4xi64> = dense<0>
// CHECK: gpu.func @kiln_kernel_0(
// CHECK: gpu.func @kiln_kernel_1(
// CHECK: %[[RECORD:.*]] = memref.get_global @kiln_error : memref<4xi64>
// CHECK: %[[OLD:.*]] = memref.generic_atomic_rmw %[[RECORD]][%{{.*}}] : memref<4xi64> {
// CHECK: ^bb0(%[[CUR:.*]]: i64):
// CHECK: %[[FREE:.*]] = arith.cmpi eq, %[[CUR]], %c0_i64
// CHECK: %[[NEW:.*]] = arith.select %[[FREE]], %c1_i64, %[[CUR]]
// CHECK: memref.atomic_yield %[[NEW]]
// CHECK: %[[WON:.*]] = arith.cmpi eq, %[[OLD]], %c0_i64
// CHECK: scf.if %[[WON]] {
// CHECK-COUNT-2: memref.store
// CHECK-NOT: kiln.index_error
#first = loc(fused<{domain = "ai.onnx", op = "Add", opset = 17 : i64}>["m.onnx":0:0])
#second = loc(fused<{domain = "ai.onnx", op = "Gather", opset = 17 : i64}>["m.onnx":0:0])
func.func @main(%out: memref<4xf32>, %index: index, %dim: index) {
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %f, %out[%tx] : memref<4xf32>
    gpu.terminator
  } loc("first"(#first))
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    kiln.index_error %index, %dim {site = "Gather node 'embed' (axis 0)"}
    gpu.terminator
  } loc("second"(#second))
  kiln.index_error %index, %dim {site = "CumSum node 'sum' (the axis input)"}
  return
}
