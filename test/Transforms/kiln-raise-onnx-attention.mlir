// RUN: kiln-opt %s -split-input-file --kiln-raise-onnx-attention | FileCheck %s
// onnx.Attention becomes tfm.attention only where the two define the same thing.

// CHECK-LABEL: func.func @attention_4d
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x8x16xf32>, %[[K:.*]]: tensor<2x2x8x16xf32>, %[[V:.*]]: tensor<2x2x8x16xf32>, %[[M:.*]]: tensor<8x8xi1>)
// CHECK: %[[A:.*]] = tfm.attention %[[Q]], %[[K]], %[[V]] mask(%[[M]] : tensor<8x8xi1>) {causal, scale = 5.000000e-01 : f32}
// CHECK-NOT: onnx.Attention
// CHECK: return %[[A]]
func.func @attention_4d(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>, %m: tensor<8x8xi1>) -> tensor<2x4x8x16xf32> {
  %y, %pk, %pv, %qk = onnx.Attention %q, %k, %v attn_mask(%m) {is_causal = 1 : i64, scale = 0.5 : f32} : (tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>, tensor<8x8xi1>) -> (tensor<2x4x8x16xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %y : tensor<2x4x8x16xf32>
}

// -----

// 3-D operands: heads split by expand_shape and used in the bshd layout, merged back after.
// CHECK-LABEL: func.func @attention_3d
// CHECK: %[[Q:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1], [2, 3]] output_shape [%{{.*}}, %{{.*}}, 4, 8] : tensor<?x?x32xf32> into tensor<?x?x4x8xf32>
// CHECK: %[[K:.*]] = tensor.expand_shape %{{.*}} output_shape [%{{.*}}, %{{.*}}, 2, 8] : tensor<?x?x16xf32> into tensor<?x?x2x8xf32>
// CHECK: %[[V:.*]] = tensor.expand_shape
// CHECK: %[[A:.*]] = tfm.attention %[[Q]], %[[K]], %[[V]] {key_layout = #tfm.layout<bshd>, output_layout = #tfm.layout<bshd>, query_layout = #tfm.layout<bshd>, value_layout = #tfm.layout<bshd>} : tensor<?x?x4x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32> -> tensor<?x?x4x8xf32>
// CHECK: %[[Y:.*]] = tensor.collapse_shape %[[A]] {{\[\[}}0], [1], [2, 3]] : tensor<?x?x4x8xf32> into tensor<?x?x32xf32>
// CHECK: return %[[Y]]
func.func @attention_3d(%q: tensor<?x?x32xf32>, %k: tensor<?x?x16xf32>, %v: tensor<?x?x16xf32>) -> tensor<?x?x32xf32> {
  %y, %pk, %pv, %qk = onnx.Attention %q, %k, %v {q_num_heads = 4 : i64, kv_num_heads = 2 : i64} : (tensor<?x?x32xf32>, tensor<?x?x16xf32>, tensor<?x?x16xf32>) -> (tensor<?x?x32xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %y : tensor<?x?x32xf32>
}

// -----

// ONNX applies softcap after the mask; tfm.attention before it.
// CHECK-LABEL: func.func @negative_softcap
// CHECK: onnx.Attention
func.func @negative_softcap(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %y, %pk, %pv, %qk = onnx.Attention %q, %k, %v {softcap = 2.0 : f32} : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %y : tensor<1x2x4x8xf32>
}

// -----

// ONNX aligns a causal mask top-left, tfm bottom-right: they agree only for equal lengths.
// CHECK-LABEL: func.func @negative_causal_unequal_lengths
// CHECK: onnx.Attention
func.func @negative_causal_unequal_lengths(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>) -> tensor<1x2x4x8xf32> {
  %y, %pk, %pv, %qk = onnx.Attention %q, %k, %v {is_causal = 1 : i64} : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %y : tensor<1x2x4x8xf32>
}

// -----

// CHECK-LABEL: func.func @negative_qk_output_used
// CHECK: onnx.Attention
func.func @negative_qk_output_used(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x4x8xf32>, %v: tensor<1x2x4x8xf32>) -> tensor<*xf32> {
  %y, %pk, %pv, %qk = onnx.Attention %q, %k, %v : (tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>, tensor<1x2x4x8xf32>) -> (tensor<1x2x4x8xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %qk : tensor<*xf32>
}

// -----

// A mask shorter than the keys is padded by ONNX.
// CHECK-LABEL: func.func @negative_short_mask
// CHECK: onnx.Attention
func.func @negative_short_mask(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x6x8xf32>, %v: tensor<1x2x6x8xf32>, %m: tensor<4x4xf32>) -> tensor<1x2x4x8xf32> {
  %y, %pk, %pv, %qk = onnx.Attention %q, %k, %v attn_mask(%m) : (tensor<1x2x4x8xf32>, tensor<1x2x6x8xf32>, tensor<1x2x6x8xf32>, tensor<4x4xf32>) -> (tensor<1x2x4x8xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %y : tensor<1x2x4x8xf32>
}
