// RUN: kiln-opt %s --pass-pipeline='builtin.module(kiln-cpu-lower-to-llvm)' \
// RUN:   | mlir-runner -e entry -entry-point-result=void -shared-libs=%mlir_runner_libs \
// RUN:   | FileCheck %s
// REQUIRES: mlir-runner
// tfm.attention executed: one query head row attends to two keys with scores 0 and ln 3
// (weights 1/4 and 3/4); the second query row is fully masked and must produce zeros, not NaN.
// Q = [[1, 0], [1, 0]] (scale 1), K = [[0, 0], [ln 3, 0]], V = [[4, 8], [8, 4]].
// Row 0: 1/4 * [4, 8] + 3/4 * [8, 4] = [7, 5].
// CHECK: data =
// CHECK-NEXT{LITERAL}: [[[[7,   5],
// CHECK-NEXT{LITERAL}: [0,   0]]]]
func.func private @printMemrefF32(tensor<*xf32>)
func.func @entry() {
  %q = arith.constant dense<[[[[1.0, 0.0], [1.0, 0.0]]]]> : tensor<1x1x2x2xf32>
  %k = arith.constant dense<[[[[0.0, 0.0], [1.0986123, 0.0]]]]> : tensor<1x1x2x2xf32>
  %v = arith.constant dense<[[[[4.0, 8.0], [8.0, 4.0]]]]> : tensor<1x1x2x2xf32>
  %m = arith.constant dense<[[true, true], [false, false]]> : tensor<2x2xi1>
  %0 = tfm.attention %q, %k, %v mask(%m : tensor<2x2xi1>) {scale = 1.0 : f32} : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32> -> tensor<1x1x2x2xf32>
  %u = tensor.cast %0 : tensor<1x1x2x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
