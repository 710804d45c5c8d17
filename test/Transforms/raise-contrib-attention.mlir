// RUN: kiln-opt %s --kiln-raise-onnx-attention --split-input-file | FileCheck %s

// com.microsoft MultiHeadAttention with a bias and a [B, L] key padding mask: the bias is
// sliced onto q, k, v, the mask becomes -10000 where 0 as [B, 1, 1, L], and the op is
// restated as onnx.Attention and raised to tfm.attention on [B, S, heads, dim] views.
// CHECK-LABEL: func.func @multi_head_attention
// CHECK: %[[PAD:.*]] = onnx.Equal %arg4, %{{.*}} : (tensor<2x5xi32>, tensor<i32>) -> tensor<2x5xi1>
// CHECK: %[[ADD:.*]] = onnx.Where %[[PAD]], %{{.*}}, %{{.*}} : (tensor<2x5xi1>, tensor<f32>, tensor<f32>) -> tensor<2x5xf32>
// CHECK: %[[MASK:.*]] = onnx.Unsqueeze %[[ADD]], %{{.*}} -> tensor<2x1x1x5xf32>
// CHECK: tfm.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%[[MASK]] : tensor<2x1x1x5xf32>) {key_layout = #tfm.layout<bshd>, output_layout = #tfm.layout<bshd>, query_layout = #tfm.layout<bshd>, value_layout = #tfm.layout<bshd>} : tensor<2x5x4x8xf32>, tensor<2x5x4x8xf32>, tensor<2x5x4x8xf32> -> tensor<2x5x4x8xf32>
// CHECK-NOT: com.microsoft
func.func @multi_head_attention(%q: tensor<2x5x32xf32>, %k: tensor<2x5x32xf32>, %v: tensor<2x5x32xf32>, %bias: tensor<96xf32>, %pad: tensor<2x5xi32>) -> tensor<2x5x32xf32> {
  %y, %pk, %pv, %qk = onnx.com.microsoft.MultiHeadAttention %q key(%k) value(%v) bias(%bias) key_padding_mask(%pad) {num_heads = 4 : i64} : (tensor<2x5x32xf32>, tensor<2x5x32xf32>, tensor<2x5x32xf32>, tensor<96xf32>, tensor<2x5xi32>) -> (tensor<2x5x32xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %y : tensor<2x5x32xf32>
}

// -----

// negative_: packed QKV ([B, S, heads, 3, dim], no key/value) is left alone, with the reason.
// CHECK-LABEL: func.func @negative_packed_qkv
// CHECK: onnx.com.microsoft.MultiHeadAttention {{.*}}kiln.fusion_miss = "query, key and value are not all 3-D (packed QKV/KV and BNSH keys are not supported)"
func.func @negative_packed_qkv(%qkv: tensor<2x5x4x3x8xf32>) -> tensor<2x5x32xf32> {
  %y, %pk, %pv, %qk = onnx.com.microsoft.MultiHeadAttention %qkv {num_heads = 4 : i64} : (tensor<2x5x4x3x8xf32>) -> (tensor<2x5x32xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %y : tensor<2x5x32xf32>
}

// -----

// negative_: GroupQueryAttention with a KV cache is a decoding step, not plain attention.
// CHECK-LABEL: func.func @negative_gqa_with_past
// CHECK: onnx.com.microsoft.GroupQueryAttention {{.*}}kiln.fusion_miss = "past key/value (KV cache)"
func.func @negative_gqa_with_past(%q: tensor<1x1x32xf32>, %k: tensor<1x1x16xf32>, %v: tensor<1x1x16xf32>, %pk: tensor<1x2x7x8xf32>, %pv: tensor<1x2x7x8xf32>, %lens: tensor<1xi32>, %total: tensor<i32>) -> tensor<1x1x32xf32> {
  %y, %k2, %v2, %qk = onnx.com.microsoft.GroupQueryAttention %q key(%k) value(%v) past_key(%pk) past_value(%pv), %lens, %total {num_heads = 4 : i64, kv_num_heads = 2 : i64} : (tensor<1x1x32xf32>, tensor<1x1x16xf32>, tensor<1x1x16xf32>, tensor<1x2x7x8xf32>, tensor<1x2x7x8xf32>, tensor<1xi32>, tensor<i32>) -> (tensor<1x1x32xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %y : tensor<1x1x32xf32>
}
