// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// Every tfm op and every optional operand and attribute survives a print-parse round trip.
// Default-valued attributes (bhsd layouts, approximation none, activation none) are elided.
// Layouts and activations are written as documented in TFMOps.td (#tfm.layout<bshd>,
// #tfm.activation<gelu>).

// CHECK-LABEL: func.func @attention_bhsd
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x8x16xf32>, %[[K:.*]]: tensor<2x4x10x16xf32>, %[[V:.*]]: tensor<2x4x10x32xf32>)
// CHECK: %[[O:.*]] = tfm.attention %[[Q]], %[[K]], %[[V]] : tensor<2x4x8x16xf32>, tensor<2x4x10x16xf32>, tensor<2x4x10x32xf32> -> tensor<2x4x8x32xf32>
// CHECK-NOT: layout
// CHECK: return %[[O]]
func.func @attention_bhsd(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x10x16xf32>,
                          %v: tensor<2x4x10x32xf32>) -> tensor<2x4x8x32xf32> {
  %0 = tfm.attention %q, %k, %v : tensor<2x4x8x16xf32>, tensor<2x4x10x16xf32>, tensor<2x4x10x32xf32> -> tensor<2x4x8x32xf32>
  return %0 : tensor<2x4x8x32xf32>
}

// CHECK-LABEL: func.func @attention_default_layouts_elided
// CHECK: tfm.attention %{{.*}}, %{{.*}}, %{{.*}} : tensor
// CHECK-NOT: layout
// CHECK: return
func.func @attention_default_layouts_elided(%q: tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32> {
  %0 = tfm.attention %q, %q, %q {query_layout = #tfm.layout<bhsd>, key_layout = #tfm.layout<bhsd>, value_layout = #tfm.layout<bhsd>, output_layout = #tfm.layout<bhsd>} : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32> -> tensor<?x4x?x16xf32>
  return %0 : tensor<?x4x?x16xf32>
}

// CHECK-LABEL: func.func @attention_float_mask
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4x?x16xf32>, %[[K:.*]]: tensor<?x4x?x16xf32>, %[[M:.*]]: tensor<?x1x1x?xf32>)
// CHECK: tfm.attention %[[Q]], %[[K]], %[[K]] mask(%[[M]] : tensor<?x1x1x?xf32>) : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32> -> tensor<?x4x?x16xf32>
func.func @attention_float_mask(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x?x16xf32>,
                                %m: tensor<?x1x1x?xf32>) -> tensor<?x4x?x16xf32> {
  %0 = tfm.attention %q, %k, %k mask(%m : tensor<?x1x1x?xf32>) : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32> -> tensor<?x4x?x16xf32>
  return %0 : tensor<?x4x?x16xf32>
}

// A bool mask of lower rank broadcasts to [batch, heads, Sq, Skv].
// CHECK-LABEL: func.func @attention_bool_mask
// CHECK-SAME: %[[M:[^:]*]]: tensor<8x10xi1>
// CHECK: tfm.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%[[M]] : tensor<8x10xi1>) : tensor<2x4x8x16xf16>, tensor<2x4x10x16xf16>, tensor<2x4x10x16xf16> -> tensor<2x4x8x16xf16>
func.func @attention_bool_mask(%q: tensor<2x4x8x16xf16>, %k: tensor<2x4x10x16xf16>,
                               %m: tensor<8x10xi1>) -> tensor<2x4x8x16xf16> {
  %0 = tfm.attention %q, %k, %k mask(%m : tensor<8x10xi1>) : tensor<2x4x8x16xf16>, tensor<2x4x10x16xf16>, tensor<2x4x10x16xf16> -> tensor<2x4x8x16xf16>
  return %0 : tensor<2x4x8x16xf16>
}

// Grouped-query attention: 8 query heads share 2 key/value heads.
// CHECK-LABEL: func.func @attention_gqa_heads
// CHECK: tfm.attention %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x8x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16> -> tensor<1x8x?x64xbf16>
func.func @attention_gqa_heads(%q: tensor<1x8x?x64xbf16>, %k: tensor<1x2x?x64xbf16>,
                               %v: tensor<1x2x?x64xbf16>) -> tensor<1x8x?x64xbf16> {
  %0 = tfm.attention %q, %k, %v : tensor<1x8x?x64xbf16>, tensor<1x2x?x64xbf16>, tensor<1x2x?x64xbf16> -> tensor<1x8x?x64xbf16>
  return %0 : tensor<1x8x?x64xbf16>
}

// Multi-query attention: one key/value head.
// CHECK-LABEL: func.func @attention_mqa_heads
// CHECK: tfm.attention {{.*}} : tensor<1x8x?x64xf32>, tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32> -> tensor<1x8x?x64xf32>
func.func @attention_mqa_heads(%q: tensor<1x8x?x64xf32>, %k: tensor<1x1x?x64xf32>) -> tensor<1x8x?x64xf32> {
  %0 = tfm.attention %q, %k, %k : tensor<1x8x?x64xf32>, tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32> -> tensor<1x8x?x64xf32>
  return %0 : tensor<1x8x?x64xf32>
}

// Every operand in (batch, seq, heads, head_dim) order.
// CHECK-LABEL: func.func @attention_bshd_layouts
// CHECK: tfm.attention %{{.*}}, %{{.*}}, %{{.*}} {
// CHECK-SAME: key_layout = #tfm.layout<bshd>
// CHECK-SAME: output_layout = #tfm.layout<bshd>
// CHECK-SAME: query_layout = #tfm.layout<bshd>
// CHECK-SAME: value_layout = #tfm.layout<bshd>
// CHECK-SAME: } : tensor<2x8x4x16xf32>, tensor<2x10x4x16xf32>, tensor<2x10x4x16xf32> -> tensor<2x8x4x16xf32>
func.func @attention_bshd_layouts(%q: tensor<2x8x4x16xf32>, %k: tensor<2x10x4x16xf32>) -> tensor<2x8x4x16xf32> {
  %0 = tfm.attention %q, %k, %k {query_layout = #tfm.layout<bshd>, key_layout = #tfm.layout<bshd>, value_layout = #tfm.layout<bshd>, output_layout = #tfm.layout<bshd>} : tensor<2x8x4x16xf32>, tensor<2x10x4x16xf32>, tensor<2x10x4x16xf32> -> tensor<2x8x4x16xf32>
  return %0 : tensor<2x8x4x16xf32>
}

// Only the key is bshd (the transpose before K^T folded away); the rest stays bhsd.
// CHECK-LABEL: func.func @attention_mixed_layouts
// CHECK: tfm.attention %{{.*}}, %{{.*}}, %{{.*}} {key_layout = #tfm.layout<bshd>} : tensor<?x12x?x64xf32>, tensor<?x?x12x64xf32>, tensor<?x12x?x64xf32> -> tensor<?x12x?x64xf32>
func.func @attention_mixed_layouts(%q: tensor<?x12x?x64xf32>, %k: tensor<?x?x12x64xf32>,
                                   %v: tensor<?x12x?x64xf32>) -> tensor<?x12x?x64xf32> {
  %0 = tfm.attention %q, %k, %v {key_layout = #tfm.layout<bshd>} : tensor<?x12x?x64xf32>, tensor<?x?x12x64xf32>, tensor<?x12x?x64xf32> -> tensor<?x12x?x64xf32>
  return %0 : tensor<?x12x?x64xf32>
}

// CHECK-LABEL: func.func @attention_causal_scale_softcap
// CHECK: tfm.attention %{{.*}}, %{{.*}}, %{{.*}} {causal, scale = 1.250000e-01 : f32, softcap = 5.000000e+01 : f32} :
func.func @attention_causal_scale_softcap(%q: tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32> {
  %0 = tfm.attention %q, %q, %q {causal, scale = 0.125 : f32, softcap = 50.0 : f32} : tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32>, tensor<1x4x?x16xf32> -> tensor<1x4x?x16xf32>
  return %0 : tensor<1x4x?x16xf32>
}

// CHECK-LABEL: func.func @attention_causal_with_mask
// CHECK: tfm.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}} : tensor<?x1x1x?xf32>) {causal} :
func.func @attention_causal_with_mask(%q: tensor<?x4x?x16xf32>, %m: tensor<?x1x1x?xf32>) -> tensor<?x4x?x16xf32> {
  %0 = tfm.attention %q, %q, %q mask(%m : tensor<?x1x1x?xf32>) {causal} : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32> -> tensor<?x4x?x16xf32>
  return %0 : tensor<?x4x?x16xf32>
}

// CHECK-LABEL: func.func @layer_norm_with_bias
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x768xf32>, %[[G:.*]]: tensor<768xf32>, %[[B:.*]]: tensor<768xf32>)
// CHECK: tfm.layer_norm %[[X]], %[[G]] bias(%[[B]] : tensor<768xf32>) {epsilon = 9.99999996E-13 : f32} : tensor<?x?x768xf32>, tensor<768xf32>
func.func @layer_norm_with_bias(%x: tensor<?x?x768xf32>, %g: tensor<768xf32>, %b: tensor<768xf32>) -> tensor<?x?x768xf32> {
  %0 = tfm.layer_norm %x, %g bias(%b : tensor<768xf32>) {epsilon = 1.0e-12 : f32} : tensor<?x?x768xf32>, tensor<768xf32>
  return %0 : tensor<?x?x768xf32>
}

// CHECK-LABEL: func.func @layer_norm_without_bias
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x768xf32>, %[[G:.*]]: tensor<768xf32>)
// CHECK: tfm.layer_norm %[[X]], %[[G]] : tensor<?x?x768xf32>, tensor<768xf32>
// CHECK-NOT: bias
// CHECK: return
func.func @layer_norm_without_bias(%x: tensor<?x?x768xf32>, %g: tensor<768xf32>) -> tensor<?x?x768xf32> {
  %0 = tfm.layer_norm %x, %g : tensor<?x?x768xf32>, tensor<768xf32>
  return %0 : tensor<?x?x768xf32>
}

// Normalising over the last two dims: the scale has their shape.
// CHECK-LABEL: func.func @layer_norm_axis
// CHECK: tfm.layer_norm %{{.*}}, %{{.*}} {axis = -2 : i64} : tensor<2x3x4xf64>, tensor<3x4xf64>
func.func @layer_norm_axis(%x: tensor<2x3x4xf64>, %g: tensor<3x4xf64>) -> tensor<2x3x4xf64> {
  %0 = tfm.layer_norm %x, %g {axis = -2 : i64} : tensor<2x3x4xf64>, tensor<3x4xf64>
  return %0 : tensor<2x3x4xf64>
}

// CHECK-LABEL: func.func @rms_norm_epsilon
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf16>, %[[W:.*]]: tensor<64xf16>)
// CHECK: tfm.rms_norm %[[X]], %[[W]] {epsilon = 9.99999997E-7 : f32} : tensor<?x?x64xf16>, tensor<64xf16>
func.func @rms_norm_epsilon(%x: tensor<?x?x64xf16>, %w: tensor<64xf16>) -> tensor<?x?x64xf16> {
  %0 = tfm.rms_norm %x, %w {epsilon = 1.0e-6 : f32} : tensor<?x?x64xf16>, tensor<64xf16>
  return %0 : tensor<?x?x64xf16>
}

// CHECK-LABEL: func.func @rms_norm_defaults
// CHECK: tfm.rms_norm %{{.*}}, %{{.*}} : tensor<4x64xf32>, tensor<64xf32>
func.func @rms_norm_defaults(%x: tensor<4x64xf32>, %w: tensor<64xf32>) -> tensor<4x64xf32> {
  %0 = tfm.rms_norm %x, %w {axis = -1 : i64, epsilon = 1.0e-5 : f32} : tensor<4x64xf32>, tensor<64xf32>
  return %0 : tensor<4x64xf32>
}

// CHECK-LABEL: func.func @gelu_none
// CHECK: %[[A:.*]] = tfm.gelu %{{.*}} : tensor<?x?x3072xf32>
// CHECK: %[[B:.*]] = tfm.gelu %[[A]] : tensor<?x?x3072xf32>
// CHECK: return %[[B]]
func.func @gelu_none(%x: tensor<?x?x3072xf32>) -> tensor<?x?x3072xf32> {
  %0 = tfm.gelu %x : tensor<?x?x3072xf32>
  %1 = tfm.gelu %0 approximation = none : tensor<?x?x3072xf32>
  return %1 : tensor<?x?x3072xf32>
}

// CHECK-LABEL: func.func @gelu_tanh
// CHECK: tfm.gelu %{{.*}} approximation = tanh : tensor<?x?x3072xbf16>
func.func @gelu_tanh(%x: tensor<?x?x3072xbf16>) -> tensor<?x?x3072xbf16> {
  %0 = tfm.gelu %x approximation = tanh : tensor<?x?x3072xbf16>
  return %0 : tensor<?x?x3072xbf16>
}

// Tables with one angle per pair, [seq, R/2], broadcasting over batch and heads.
// CHECK-LABEL: func.func @rotary_embedding_half
// CHECK-SAME: (%[[X:.*]]: tensor<?x8x?x64xf32>, %[[C:.*]]: tensor<?x32xf32>, %[[S:.*]]: tensor<?x32xf32>)
// CHECK: tfm.rotary_embedding %[[X]], %[[C]], %[[S]] : tensor<?x8x?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>
func.func @rotary_embedding_half(%x: tensor<?x8x?x64xf32>, %cos: tensor<?x32xf32>, %sin: tensor<?x32xf32>) -> tensor<?x8x?x64xf32> {
  %0 = tfm.rotary_embedding %x, %cos, %sin : tensor<?x8x?x64xf32>, tensor<?x32xf32>, tensor<?x32xf32>
  return %0 : tensor<?x8x?x64xf32>
}

// Tables with one angle per feature as exporters spell them out: [1, 1, seq, D].
// CHECK-LABEL: func.func @rotary_embedding_per_feature
// CHECK: tfm.rotary_embedding %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x8x?x64xf32>, tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>
func.func @rotary_embedding_per_feature(%x: tensor<?x8x?x64xf32>, %cos: tensor<1x1x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %0 = tfm.rotary_embedding %x, %cos, %cos : tensor<?x8x?x64xf32>, tensor<1x1x?x64xf32>, tensor<1x1x?x64xf32>
  return %0 : tensor<?x8x?x64xf32>
}

// CHECK-LABEL: func.func @rotary_embedding_interleaved
// CHECK: tfm.rotary_embedding %{{.*}}, %{{.*}}, %{{.*}} {interleaved} : tensor<2x4x16x32xf32>, tensor<16x16xf32>, tensor<16x16xf32>
func.func @rotary_embedding_interleaved(%x: tensor<2x4x16x32xf32>, %cos: tensor<16x16xf32>, %sin: tensor<16x16xf32>) -> tensor<2x4x16x32xf32> {
  %0 = tfm.rotary_embedding %x, %cos, %sin {interleaved} : tensor<2x4x16x32xf32>, tensor<16x16xf32>, tensor<16x16xf32>
  return %0 : tensor<2x4x16x32xf32>
}

// Only the first 16 of 64 features rotate (GPT-J / partial rotary); the tables of a
// [batch, seq, heads, D] input are [batch, seq, 1, 8].
// CHECK-LABEL: func.func @rotary_embedding_partial_rotary_dim
// CHECK: tfm.rotary_embedding %{{.*}}, %{{.*}}, %{{.*}} {interleaved, rotary_dim = 16 : i64} : tensor<2x?x4x64xf32>, tensor<2x?x1x8xf32>, tensor<2x?x1x8xf32>
func.func @rotary_embedding_partial_rotary_dim(%x: tensor<2x?x4x64xf32>, %cos: tensor<2x?x1x8xf32>, %sin: tensor<2x?x1x8xf32>) -> tensor<2x?x4x64xf32> {
  %0 = tfm.rotary_embedding %x, %cos, %sin {interleaved, rotary_dim = 16 : i64} : tensor<2x?x4x64xf32>, tensor<2x?x1x8xf32>, tensor<2x?x1x8xf32>
  return %0 : tensor<2x?x4x64xf32>
}

// CHECK-LABEL: func.func @matmul_plain
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x768xf32>, %[[W:.*]]: tensor<768x3072xf32>)
// CHECK: tfm.matmul %[[X]], %[[W]] : tensor<?x?x768xf32>, tensor<768x3072xf32> -> tensor<?x?x3072xf32>
func.func @matmul_plain(%x: tensor<?x?x768xf32>, %w: tensor<768x3072xf32>) -> tensor<?x?x3072xf32> {
  %0 = tfm.matmul %x, %w : tensor<?x?x768xf32>, tensor<768x3072xf32> -> tensor<?x?x3072xf32>
  return %0 : tensor<?x?x3072xf32>
}

// CHECK-LABEL: func.func @matmul_bias_activation
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x768xf32>, %[[W:.*]]: tensor<768x3072xf32>, %[[B:.*]]: tensor<3072xf32>)
// CHECK: tfm.matmul %[[X]], %[[W]] bias(%[[B]] : tensor<3072xf32>) {activation = #tfm.activation<gelu>} : tensor<?x?x768xf32>, tensor<768x3072xf32> -> tensor<?x?x3072xf32>
func.func @matmul_bias_activation(%x: tensor<?x?x768xf32>, %w: tensor<768x3072xf32>, %b: tensor<3072xf32>) -> tensor<?x?x3072xf32> {
  %0 = tfm.matmul %x, %w bias(%b : tensor<3072xf32>) {activation = #tfm.activation<gelu>} : tensor<?x?x768xf32>, tensor<768x3072xf32> -> tensor<?x?x3072xf32>
  return %0 : tensor<?x?x3072xf32>
}

// CHECK-LABEL: func.func @matmul_activations
// CHECK: tfm.matmul {{.*}} -> tensor<4x16xf32>
// CHECK-NOT: activation
// CHECK: tfm.matmul {{.*}} {activation = #tfm.activation<relu>}
// CHECK: tfm.matmul {{.*}} {activation = #tfm.activation<gelu_tanh>}
// CHECK: tfm.matmul {{.*}} {activation = #tfm.activation<silu>}
func.func @matmul_activations(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>) {
  %0 = tfm.matmul %x, %w {activation = #tfm.activation<none>} : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  %1 = tfm.matmul %x, %w {activation = #tfm.activation<relu>} : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  %2 = tfm.matmul %x, %w {activation = #tfm.activation<gelu_tanh>} : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  %3 = tfm.matmul %x, %w {activation = #tfm.activation<silu>} : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  return %0, %1, %2, %3 : tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>
}

// rhs is [N, K] (a Linear weight as stored); batch dims broadcast.
// CHECK-LABEL: func.func @matmul_transpose_rhs
// CHECK: tfm.matmul %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<1x1x3072xf16>) {transpose_rhs} : tensor<?x?x768xf16>, tensor<3072x768xf16> -> tensor<?x?x3072xf16>
func.func @matmul_transpose_rhs(%x: tensor<?x?x768xf16>, %w: tensor<3072x768xf16>, %b: tensor<1x1x3072xf16>) -> tensor<?x?x3072xf16> {
  %0 = tfm.matmul %x, %w bias(%b : tensor<1x1x3072xf16>) {transpose_rhs} : tensor<?x?x768xf16>, tensor<3072x768xf16> -> tensor<?x?x3072xf16>
  return %0 : tensor<?x?x3072xf16>
}

// CHECK-LABEL: func.func @matmul_batched
// CHECK: tfm.matmul %{{.*}}, %{{.*}} {transpose_rhs} : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32> -> tensor<?x4x?x?xf32>
func.func @matmul_batched(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x?x16xf32>) -> tensor<?x4x?x?xf32> {
  %0 = tfm.matmul %q, %k {transpose_rhs} : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32> -> tensor<?x4x?x?xf32>
  return %0 : tensor<?x4x?x?xf32>
}
