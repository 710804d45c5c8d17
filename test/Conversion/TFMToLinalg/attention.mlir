// RUN: kiln-opt %s -split-input-file -verify-diagnostics --kiln-convert-tfm-to-linalg | FileCheck %s
// tfm.attention lowers without materialising transposes or repeated KV heads.

// Grouped KV heads (4 query heads, 2 KV heads) read through a floordiv; bshd operands through
// their maps.
// CHECK-DAG: #[[Q:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d1, d4)>
// CHECK-DAG: #[[K:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d3, d1 floordiv 2, d4)>
// CHECK-LABEL: func.func @gqa_bshd
// CHECK-NOT: linalg.transpose
// CHECK: linalg.generic {indexing_maps = [#[[Q]], #[[K]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: math.exp
// CHECK: arith.divf
// CHECK-NOT: tfm.attention
func.func @gqa_bshd(%q: tensor<?x8x4x16xf32>, %k: tensor<?x8x2x16xf32>, %v: tensor<?x8x2x16xf32>) -> tensor<?x8x4x16xf32> {
  %0 = tfm.attention %q, %k, %v {query_layout = #tfm.layout<bshd>, key_layout = #tfm.layout<bshd>, value_layout = #tfm.layout<bshd>, output_layout = #tfm.layout<bshd>} : tensor<?x8x4x16xf32>, tensor<?x8x2x16xf32>, tensor<?x8x2x16xf32> -> tensor<?x8x4x16xf32>
  return %0 : tensor<?x8x4x16xf32>
}

// -----

// Causal masking compares key and query indices with the length difference as offset; a
// boolean mask selects -inf.
// CHECK-LABEL: func.func @causal_bool_mask
// CHECK: linalg.index 2
// CHECK: linalg.index 3
// CHECK: arith.cmpi sgt
// CHECK: arith.select
func.func @causal_bool_mask(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>, %m: tensor<1x1x4x4xi1>) -> tensor<1x2x4x8xf32> {
  %0 = tfm.attention %q, %k, %v mask(%m : tensor<1x1x4x4xi1>) {causal} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

// A sliding window also hides keys at or before limit - window (limit = i + Skv - Sq).
// CHECK-LABEL: func.func @causal_window
// CHECK: %[[I:.*]] = linalg.index 2
// CHECK: %[[J:.*]] = linalg.index 3
// CHECK: %[[LIMIT:.*]] = arith.addi %[[I]]
// CHECK: %[[AFTER:.*]] = arith.cmpi sgt, %[[J]], %[[LIMIT]]
// CHECK: %[[FIRST:.*]] = arith.subi %[[LIMIT]], %{{.*}}
// CHECK: %[[BEFORE:.*]] = arith.cmpi sle, %[[J]], %[[FIRST]]
// CHECK: %[[HIDDEN:.*]] = arith.ori %[[AFTER]], %[[BEFORE]]
// CHECK: arith.select %[[HIDDEN]]
func.func @causal_window(%q: tensor<1x2x?x8xf32>, %k: tensor<1x2x?x8xf32>, %v: tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %0 = tfm.attention %q, %k, %v {causal, window = 3 : i64} : tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32> -> tensor<1x2x?x8xf32>
  return %0 : tensor<1x2x?x8xf32>
}

// -----

// masked_value: a score the mask hides is that value, not -inf (torch's masked_fill).
// CHECK-LABEL: func.func @masked_value
// CHECK: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[S:.*]] = arith.addf
// CHECK: %[[HIDDEN:.*]] = arith.cmpf oeq, %[[S]], %[[NINF]]
// CHECK: %[[FILL:.*]] = arith.constant -3.40282347E+38 : f32
// CHECK: arith.select %[[HIDDEN]], %[[FILL]], %[[S]]
func.func @masked_value(%q: tensor<1x2x4x8xf32>, %m: tensor<1x2x4x4xf32>) -> tensor<1x2x4x8xf32> {
  %0 = tfm.attention %q, %q, %q mask(%m : tensor<1x2x4x4xf32>) {masked_value = -3.40282347E+38 : f32} : tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

// Heads must be static for the floordiv: a dynamic head count is refused.
func.func @dynamic_heads(%q: tensor<1x?x4x8xf32>, %k: tensor<1x?x4x8xf32>, %v: tensor<1x?x4x8xf32>) -> tensor<1x?x4x8xf32> {
  // expected-error @below {{cannot lower 'tfm.attention': head counts must be static}}
  %0 = tfm.attention %q, %k, %v {scale = 1.0 : f32} : tensor<1x?x4x8xf32>, tensor<1x?x4x8xf32>, tensor<1x?x4x8xf32> -> tensor<1x?x4x8xf32>
  return %0 : tensor<1x?x4x8xf32>
}
