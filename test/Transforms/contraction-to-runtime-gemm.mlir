// RUN: kiln-opt %s --kiln-contraction-to-runtime-gemm --canonicalize --split-input-file | FileCheck %s

// A plain matmul: one call, strides from the buffers (row-major A, B, C).
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[A:.*]]: memref<4x8xf32>, %[[B:.*]]: memref<8x16xf32>, %[[C:.*]]: memref<4x16xf32>)
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK: %[[PA:.*]] = memref.extract_aligned_pointer_as_index %[[A]]
// CHECK: %[[PB:.*]] = memref.extract_aligned_pointer_as_index %[[B]]
// CHECK: %[[PC:.*]] = memref.extract_aligned_pointer_as_index %[[C]]
// CHECK: call @kiln_rt_gemm_f32(%[[C4]], %[[C16]], %[[C8]], %[[PA]], %[[C8]], %[[C1]], %[[PB]], %[[C16]], %[[C1]], %[[PC]], %[[C16]], %[[C1]])
// CHECK-NOT: linalg.matmul
func.func @matmul(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  return
}

// -----

// [B, S, K] x [K, N] with a transposed weight (B read as [N, K]): the batch dim is a loop, the
// weight's strides say "transposed", no copy.
// CHECK-LABEL: func.func @batched_transposed_weight
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %{{.*}} step
// CHECK: call @kiln_rt_gemm_f32(
// CHECK-NOT: linalg.generic
#a = affine_map<(b, m, n, k) -> (b, m, k)>
#w = affine_map<(b, m, n, k) -> (n, k)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @batched_transposed_weight(%a: memref<?x?x8xf32>, %w: memref<16x8xf32>, %c: memref<?x?x16xf32>) {
  linalg.generic {indexing_maps = [#a, #w, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %w : memref<?x?x8xf32>, memref<16x8xf32>) outs(%c : memref<?x?x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Not f32: stays a linalg op (becomes loops later).
// CHECK-LABEL: func.func @negative_f64
// CHECK: linalg.matmul
// CHECK-NOT: call @kiln_rt_gemm_f32
func.func @negative_f64(%a: memref<4x8xf64>, %b: memref<8x16xf64>, %c: memref<4x16xf64>) {
  linalg.matmul ins(%a, %b : memref<4x8xf64>, memref<8x16xf64>) outs(%c : memref<4x16xf64>)
  return
}

// -----

// Not a multiply-accumulate (max-plus): stays.
// CHECK-LABEL: func.func @negative_not_mul_add
// CHECK: linalg.generic
// CHECK-NOT: call @kiln_rt_gemm_f32
#ma = affine_map<(m, n, k) -> (m, k)>
#mb = affine_map<(m, n, k) -> (k, n)>
#mc = affine_map<(m, n, k) -> (m, n)>
func.func @negative_not_mul_add(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>) {
  linalg.generic {indexing_maps = [#ma, #mb, #mc], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.addf %x, %y : f32
    %s = arith.maximumf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
