// RUN: kiln-opt %s --pass-pipeline='builtin.module(gpu.module(kiln-cuda-legalize-kernel-math))' | FileCheck %s
// math.absi has no NVVM lowering: it becomes max(x, 0 - x).
// CHECK-LABEL: gpu.func @k
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: %[[NEG:.*]] = arith.subi %[[ZERO]], %arg0 : i64
// CHECK: arith.maxsi %arg0, %[[NEG]] : i64
// CHECK-NOT: math.absi
module attributes {gpu.container_module} {
  gpu.module @kiln_kernels {
    gpu.func @k(%x: i64, %out: memref<i64>) kernel {
      %a = math.absi %x : i64
      memref.store %a, %out[] : memref<i64>
      gpu.return
    }
  }
}
