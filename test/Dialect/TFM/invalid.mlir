// RUN: kiln-opt %s -split-input-file -verify-diagnostics
// Every verifier error of the tfm ops (dialects/TFM/TFMDialect.cpp).

func.func @attention_query_not_4d(%q: tensor<4x8x16xf32>, %k: tensor<2x4x8x16xf32>) {
  // expected-error @+1 {{'tfm.attention' op query must be 4-D, got [4,8,16]}}
  %0 = tfm.attention %q, %k, %k : tensor<4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @attention_value_not_4d(%q: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16x1xf32>) {
  // expected-error @+1 {{value must be 4-D, got [2,4,8,16,1]}}
  %0 = tfm.attention %q, %q, %v : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16x1xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @attention_output_not_4d(%q: tensor<2x4x8x16xf32>) {
  // expected-error @+1 {{output must be 4-D, got [2,8,64]}}
  %0 = tfm.attention %q, %q, %q : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<2x8x64xf32>
  return
}

// -----

func.func @attention_element_type_mismatch(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf16>) {
  // expected-error @+1 {{key element type 'f16' differs from the query's 'f32'}}
  %0 = tfm.attention %q, %k, %q : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf16>, tensor<2x4x8x16xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @attention_output_element_type_mismatch(%q: tensor<2x4x8x16xf32>) {
  // expected-error @+1 {{output element type 'bf16' must be the query's or, for f16/bf16 operands, f32}}
  %0 = tfm.attention %q, %q, %q : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<2x4x8x16xbf16>
  return
}

// -----

func.func @attention_batch_mismatch(%q: tensor<2x4x8x16xf32>, %k: tensor<3x4x8x16xf32>) {
  // expected-error @+1 {{batch dims differ between query, key, value and output}}
  %0 = tfm.attention %q, %k, %k : tensor<2x4x8x16xf32>, tensor<3x4x8x16xf32>, tensor<3x4x8x16xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @attention_head_dim_mismatch(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x32xf32>) {
  // expected-error @+1 {{query head dim 16 differs from key head dim 32}}
  %0 = tfm.attention %q, %k, %k : tensor<2x4x8x16xf32>, tensor<2x4x8x32xf32>, tensor<2x4x8x32xf32> -> tensor<2x4x8x32xf32>
  return
}

// -----

func.func @attention_key_value_seq_mismatch(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x10x16xf32>, %v: tensor<2x4x12x16xf32>) {
  // expected-error @+1 {{key and value must have the same heads and sequence length}}
  %0 = tfm.attention %q, %k, %v : tensor<2x4x8x16xf32>, tensor<2x4x10x16xf32>, tensor<2x4x12x16xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @attention_key_value_heads_mismatch(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x4x8x16xf32>) {
  // expected-error @+1 {{key and value must have the same heads and sequence length}}
  %0 = tfm.attention %q, %k, %v : tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @attention_heads_not_multiple(%q: tensor<2x6x8x16xf32>, %k: tensor<2x4x8x16xf32>) {
  // expected-error @+1 {{query heads (6) must be a multiple of key/value heads (4)}}
  %0 = tfm.attention %q, %k, %k : tensor<2x6x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<2x6x8x16xf32>
  return
}

// -----

func.func @attention_zero_kv_heads(%q: tensor<2x4x8x16xf32>, %k: tensor<2x0x8x16xf32>) {
  // expected-error @+1 {{query heads (4) must be a multiple of key/value heads (0)}}
  %0 = tfm.attention %q, %k, %k : tensor<2x4x8x16xf32>, tensor<2x0x8x16xf32>, tensor<2x0x8x16xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @attention_output_wrong_heads(%q: tensor<2x4x8x16xf32>) {
  // expected-error @+1 {{output must be [batch, query heads, query length, value head dim] in its layout}}
  %0 = tfm.attention %q, %q, %q : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<2x8x8x16xf32>
  return
}

// -----

func.func @attention_output_wrong_head_dim(%q: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x32xf32>) {
  // expected-error @+1 {{output must be [batch, query heads, query length, value head dim] in its layout}}
  %0 = tfm.attention %q, %q, %v : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x32xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @attention_mask_element_type(%q: tensor<2x4x8x16xf32>, %m: tensor<2x1x1x8xf16>) {
  // expected-error @+1 {{mask must be i1 or have the query's or the output's element type, got 'f16'}}
  %0 = tfm.attention %q, %q, %q mask(%m : tensor<2x1x1x8xf16>) : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @attention_mask_integer_type(%q: tensor<2x4x8x16xf32>, %m: tensor<2x1x1x8xi64>) {
  // expected-error @+1 {{operand #3 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float or 1-bit signless integer values}}
  %0 = tfm.attention %q, %q, %q mask(%m : tensor<2x1x1x8xi64>) : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @attention_mask_not_broadcastable(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x10x16xf32>, %m: tensor<2x1x1x8xf32>) {
  // expected-error @+1 {{mask [2,1,1,8] does not broadcast to [2,4,8,10]}}
  %0 = tfm.attention %q, %k, %k mask(%m : tensor<2x1x1x8xf32>) : tensor<2x4x8x16xf32>, tensor<2x4x10x16xf32>, tensor<2x4x10x16xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @attention_mask_rank_too_high(%q: tensor<2x4x8x16xf32>, %m: tensor<1x2x1x1x8xi1>) {
  // expected-error @+1 {{mask [1,2,1,1,8] has a higher rank than [2,4,8,8]}}
  %0 = tfm.attention %q, %q, %q mask(%m : tensor<1x2x1x1x8xi1>) : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @attention_scale_zero(%q: tensor<2x4x8x16xf32>) {
  // expected-error @+1 {{scale must be > 0, got 0.000000e+00}}
  %0 = tfm.attention %q, %q, %q {scale = 0.0 : f32} : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @attention_scale_negative(%q: tensor<2x4x8x16xf32>) {
  // expected-error @+1 {{scale must be > 0, got -5.000000e-01}}
  %0 = tfm.attention %q, %q, %q {scale = -0.5 : f32} : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @attention_softcap_negative(%q: tensor<2x4x8x16xf32>) {
  // expected-error @+1 {{softcap must be >= 0, got -3.000000e+01}}
  %0 = tfm.attention %q, %q, %q {softcap = -30.0 : f32} : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @attention_unranked_query(%q: tensor<*xf32>, %k: tensor<2x4x8x16xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = "tfm.attention"(%q, %k, %k) : (tensor<*xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @layer_norm_axis_out_of_range(%x: tensor<2x8x32xf32>, %g: tensor<32xf32>) {
  // expected-error @+1 {{'tfm.layer_norm' op axis 3 is out of range for rank 3}}
  %0 = tfm.layer_norm %x, %g {axis = 3 : i64} : tensor<2x8x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @layer_norm_negative_axis_out_of_range(%x: tensor<2x8x32xf32>, %g: tensor<32xf32>) {
  // expected-error @+1 {{axis -4 is out of range for rank 3}}
  %0 = tfm.layer_norm %x, %g {axis = -4 : i64} : tensor<2x8x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @layer_norm_negative_epsilon(%x: tensor<2x8x32xf32>, %g: tensor<32xf32>) {
  // expected-error @+1 {{epsilon must be >= 0, got -1.000000e+00}}
  %0 = tfm.layer_norm %x, %g {epsilon = -1.0 : f32} : tensor<2x8x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @layer_norm_scale_shape_mismatch(%x: tensor<2x8x32xf32>, %g: tensor<64xf32>) {
  // expected-error @+1 {{scale [64] does not broadcast to [32]}}
  %0 = tfm.layer_norm %x, %g : tensor<2x8x32xf32>, tensor<64xf32>
  return
}

// -----

func.func @layer_norm_scale_rank_too_high(%x: tensor<2x8x32xf32>, %g: tensor<8x32xf32>) {
  // expected-error @+1 {{scale [8,32] has a higher rank than [32]}}
  %0 = tfm.layer_norm %x, %g : tensor<2x8x32xf32>, tensor<8x32xf32>
  return
}

// -----

func.func @layer_norm_scale_element_type(%x: tensor<2x8x32xf32>, %g: tensor<32xf16>) {
  // expected-error @+1 {{scale element type 'f16' differs from the input's 'f32'}}
  %0 = tfm.layer_norm %x, %g : tensor<2x8x32xf32>, tensor<32xf16>
  return
}

// -----

func.func @layer_norm_bias_shape_mismatch(%x: tensor<2x8x32xf32>, %g: tensor<32xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{bias [16] does not broadcast to [32]}}
  %0 = tfm.layer_norm %x, %g bias(%b : tensor<16xf32>) : tensor<2x8x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @layer_norm_bias_element_type(%x: tensor<2x8x32xf32>, %g: tensor<32xf32>, %b: tensor<32xbf16>) {
  // expected-error @+1 {{bias element type 'bf16' differs from the input's 'f32'}}
  %0 = tfm.layer_norm %x, %g bias(%b : tensor<32xbf16>) : tensor<2x8x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @rms_norm_axis_out_of_range(%x: tensor<2x8x32xf32>, %g: tensor<32xf32>) {
  // expected-error @+1 {{'tfm.rms_norm' op axis 5 is out of range for rank 3}}
  %0 = tfm.rms_norm %x, %g {axis = 5 : i64} : tensor<2x8x32xf32>, tensor<32xf32>
  return
}

// -----

func.func @rms_norm_negative_epsilon(%x: tensor<2x8x32xf32>, %g: tensor<32xf32>) {
  // expected-error @+1 {{'tfm.rms_norm' op epsilon must be >= 0, got -1.000000e-03}}
  %0 = tfm.rms_norm %x, %g {epsilon = -1.0e-3 : f32} : tensor<2x8x32xf32>, tensor<32xf32>
  return
}

// -----

// axis = -2 normalises [8, 32]; a [32] scale broadcasts, a [16, 32] one does not.
func.func @rms_norm_scale_shape_mismatch(%x: tensor<2x8x32xf32>, %g: tensor<16x32xf32>) {
  // expected-error @+1 {{'tfm.rms_norm' op scale [16,32] does not broadcast to [8,32]}}
  %0 = tfm.rms_norm %x, %g {axis = -2 : i64} : tensor<2x8x32xf32>, tensor<16x32xf32>
  return
}

// -----

func.func @rms_norm_scale_element_type(%x: tensor<2x8x32xf16>, %g: tensor<32xf32>) {
  // expected-error @+1 {{'tfm.rms_norm' op scale element type 'f32' differs from the input's 'f16'}}
  %0 = tfm.rms_norm %x, %g : tensor<2x8x32xf16>, tensor<32xf32>
  return
}

// -----

func.func @rotary_embedding_scalar(%x: tensor<f32>, %c: tensor<f32>) {
  // expected-error @+1 {{'tfm.rotary_embedding' op input must have at least one dim}}
  %0 = tfm.rotary_embedding %x, %c, %c : tensor<f32>, tensor<f32>, tensor<f32>
  return
}

// -----

func.func @rotary_embedding_odd_head_dim(%x: tensor<2x4x8x63xf32>, %c: tensor<8x31xf32>) {
  // expected-error @+1 {{rotary dim must be positive and even, got 63}}
  %0 = tfm.rotary_embedding %x, %c, %c : tensor<2x4x8x63xf32>, tensor<8x31xf32>, tensor<8x31xf32>
  return
}

// -----

func.func @rotary_embedding_odd_rotary_dim(%x: tensor<2x4x8x64xf32>, %c: tensor<8x7xf32>) {
  // expected-error @+1 {{rotary dim must be positive and even, got 15}}
  %0 = tfm.rotary_embedding %x, %c, %c {rotary_dim = 15 : i64} : tensor<2x4x8x64xf32>, tensor<8x7xf32>, tensor<8x7xf32>
  return
}

// -----

func.func @rotary_embedding_zero_rotary_dim(%x: tensor<2x4x8x64xf32>, %c: tensor<8x32xf32>) {
  // expected-error @+1 {{rotary dim must be positive and even, got 0}}
  %0 = tfm.rotary_embedding %x, %c, %c {rotary_dim = 0 : i64} : tensor<2x4x8x64xf32>, tensor<8x32xf32>, tensor<8x32xf32>
  return
}

// -----

func.func @rotary_embedding_negative_rotary_dim(%x: tensor<2x4x8x64xf32>, %c: tensor<8x32xf32>) {
  // expected-error @+1 {{rotary dim must be positive and even, got -2}}
  %0 = tfm.rotary_embedding %x, %c, %c {rotary_dim = -2 : i64} : tensor<2x4x8x64xf32>, tensor<8x32xf32>, tensor<8x32xf32>
  return
}

// -----

func.func @rotary_embedding_rotary_dim_too_large(%x: tensor<2x4x8x64xf32>, %c: tensor<8x64xf32>) {
  // expected-error @+1 {{rotary dim 128 exceeds the input's last dim 64}}
  %0 = tfm.rotary_embedding %x, %c, %c {rotary_dim = 128 : i64} : tensor<2x4x8x64xf32>, tensor<8x64xf32>, tensor<8x64xf32>
  return
}

// -----

func.func @rotary_embedding_table_rank(%x: tensor<4x8x64xf32>, %c: tensor<1x1x8x32xf32>) {
  // expected-error @+1 {{cos/sin rank 4 does not fit the input's 3}}
  %0 = tfm.rotary_embedding %x, %c, %c : tensor<4x8x64xf32>, tensor<1x1x8x32xf32>, tensor<1x1x8x32xf32>
  return
}

// -----

// A [seq, ·] table does not broadcast against a [batch, seq, heads, D] input's heads dim.
func.func @rotary_embedding_table_layout(%x: tensor<2x8x4x64xf32>, %c: tensor<8x32xf32>) {
  // expected-error @+1 {{cos/sin [8] does not broadcast to [2,8,4]}}
  %0 = tfm.rotary_embedding %x, %c, %c : tensor<2x8x4x64xf32>, tensor<8x32xf32>, tensor<8x32xf32>
  return
}

// -----

func.func @rotary_embedding_angle_count(%x: tensor<2x4x8x64xf32>, %c: tensor<8x48xf32>) {
  // expected-error @+1 {{cos/sin have 48 angles, expected 64 (one per feature) or 32 (one per pair)}}
  %0 = tfm.rotary_embedding %x, %c, %c : tensor<2x4x8x64xf32>, tensor<8x48xf32>, tensor<8x48xf32>
  return
}

// -----

// With rotary_dim = 16 the tables hold 16 or 8 angles, not the head dim's.
func.func @rotary_embedding_partial_angle_count(%x: tensor<2x4x8x64xf32>, %c: tensor<8x32xf32>) {
  // expected-error @+1 {{cos/sin have 32 angles, expected 16 (one per feature) or 8 (one per pair)}}
  %0 = tfm.rotary_embedding %x, %c, %c {rotary_dim = 16 : i64} : tensor<2x4x8x64xf32>, tensor<8x32xf32>, tensor<8x32xf32>
  return
}

// -----

func.func @rotary_embedding_cos_element_type(%x: tensor<2x4x8x64xf32>, %c: tensor<8x32xf16>) {
  // expected-error @+1 {{cos/sin element type differs from the input's}}
  %0 = tfm.rotary_embedding %x, %c, %c : tensor<2x4x8x64xf32>, tensor<8x32xf16>, tensor<8x32xf16>
  return
}

// -----

func.func @rotary_embedding_cos_sin_type_mismatch(%x: tensor<2x4x8x64xf32>, %c: tensor<8x32xf32>, %s: tensor<2x8x32xf32>) {
  // expected-error @+1 {{cos and sin must have the same type}}
  %0 = tfm.rotary_embedding %x, %c, %s : tensor<2x4x8x64xf32>, tensor<8x32xf32>, tensor<2x8x32xf32>
  return
}

// -----

func.func @matmul_rank_1(%x: tensor<768xf32>, %w: tensor<768x64xf32>) {
  // expected-error @+1 {{'tfm.matmul' op operands must have rank >= 2}}
  %0 = tfm.matmul %x, %w : tensor<768xf32>, tensor<768x64xf32> -> tensor<64xf32>
  return
}

// -----

func.func @matmul_element_type_mismatch(%x: tensor<4x768xf32>, %w: tensor<768x64xf16>) {
  // expected-error @+1 {{operands must have one element type and the result the same or, for f16/bf16 operands, f32}}
  %0 = tfm.matmul %x, %w : tensor<4x768xf32>, tensor<768x64xf16> -> tensor<4x64xf32>
  return
}

// -----

func.func @matmul_result_element_type_mismatch(%x: tensor<4x768xbf16>, %w: tensor<768x64xbf16>) {
  // expected-error @+1 {{operands must have one element type and the result the same or, for f16/bf16 operands, f32}}
  %0 = tfm.matmul %x, %w : tensor<4x768xbf16>, tensor<768x64xbf16> -> tensor<4x64xf16>
  return
}

// -----

func.func @matmul_contraction_mismatch(%x: tensor<?x?x768xf32>, %w: tensor<512x64xf32>) {
  // expected-error @+1 {{contraction dims differ: 768 vs 512}}
  %0 = tfm.matmul %x, %w : tensor<?x?x768xf32>, tensor<512x64xf32> -> tensor<?x?x64xf32>
  return
}

// -----

// With transpose_rhs the weight is [N, K]: K is its last dim.
func.func @matmul_transpose_rhs_contraction_mismatch(%x: tensor<4x768xf32>, %w: tensor<768x64xf32>) {
  // expected-error @+1 {{contraction dims differ: 768 vs 64}}
  %0 = tfm.matmul %x, %w {transpose_rhs} : tensor<4x768xf32>, tensor<768x64xf32> -> tensor<4x768xf32>
  return
}

// -----

func.func @matmul_result_shape_mismatch(%x: tensor<4x768xf32>, %w: tensor<768x64xf32>) {
  // expected-error @+1 {{result [4,32] should be [4,64]}}
  %0 = tfm.matmul %x, %w : tensor<4x768xf32>, tensor<768x64xf32> -> tensor<4x32xf32>
  return
}

// -----

func.func @matmul_result_rank_mismatch(%x: tensor<2x4x768xf32>, %w: tensor<768x64xf32>) {
  // expected-error @+1 {{result [4,64] should be [2,4,64]}}
  %0 = tfm.matmul %x, %w : tensor<2x4x768xf32>, tensor<768x64xf32> -> tensor<4x64xf32>
  return
}

// -----

func.func @matmul_bias_not_broadcastable(%x: tensor<?x4x768xf32>, %w: tensor<768x64xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{bias [32] does not broadcast to [?,4,64]}}
  %0 = tfm.matmul %x, %w bias(%b : tensor<32xf32>) : tensor<?x4x768xf32>, tensor<768x64xf32> -> tensor<?x4x64xf32>
  return
}

// -----

func.func @matmul_bias_rank_too_high(%x: tensor<4x768xf32>, %w: tensor<768x64xf32>, %b: tensor<1x4x64xf32>) {
  // expected-error @+1 {{bias [1,4,64] has a higher rank than [4,64]}}
  %0 = tfm.matmul %x, %w bias(%b : tensor<1x4x64xf32>) : tensor<4x768xf32>, tensor<768x64xf32> -> tensor<4x64xf32>
  return
}

// -----

func.func @attention_window_without_causal(%q: tensor<2x4x8x16xf32>) {
  // expected-error @+1 {{window must be >= 1 and come with causal, got 4}}
  %0 = tfm.attention %q, %q, %q {window = 4 : i64} : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @attention_window_zero(%q: tensor<2x4x8x16xf32>) {
  // expected-error @+1 {{window must be >= 1 and come with causal, got 0}}
  %0 = tfm.attention %q, %q, %q {causal, window = 0 : i64} : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<2x4x8x16xf32>
  return
}

// -----

func.func @attention_masked_value_without_mask(%q: tensor<2x4x8x16xf32>) {
  // expected-error @+1 {{masked_value needs a mask}}
  %0 = tfm.attention %q, %q, %q {masked_value = -1.0e4 : f32} : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32> -> tensor<2x4x8x16xf32>
  return
}
