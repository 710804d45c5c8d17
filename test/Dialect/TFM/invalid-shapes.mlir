// RUN: kiln-opt %s -split-input-file -verify-diagnostics
// Shape relations between tfm operands: matmul batch broadcasting, result and bias types,
// rotary cos/sin positions against the input.

// Batch dims 2 and 3 do not broadcast ("Batch dims broadcast as in numpy's matmul").
func.func @matmul_batch_not_broadcastable(%x: tensor<2x4x8xf32>, %w: tensor<3x8x16xf32>) {
  // expected-error @+1 {{batch}}
  %0 = tfm.matmul %x, %w : tensor<2x4x8xf32>, tensor<3x8x16xf32> -> tensor<2x4x16xf32>
  return
}

// -----

// The result's batch dim must be the broadcast of the operands' (2), not 7.
func.func @matmul_result_batch_mismatch(%x: tensor<2x4x8xf32>, %w: tensor<8x16xf32>) {
  // expected-error @+1 {{result [7,4,16]}}
  %0 = tfm.matmul %x, %w : tensor<2x4x8xf32>, tensor<8x16xf32> -> tensor<7x4x16xf32>
  return
}

// -----

// layer_norm rejects a bias of another element type; matmul should too.
func.func @matmul_bias_element_type(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf16>) {
  // expected-error @+1 {{bias}}
  %0 = tfm.matmul %x, %w bias(%b : tensor<16xf16>) : tensor<4x8xf32>, tensor<8x16xf32> -> tensor<4x16xf32>
  return
}

// -----

// cos/sin are [seq, rotary/2]: 16 positions for an input of 8.
func.func @rotary_embedding_cos_seq_mismatch(%x: tensor<2x4x8x64xf32>, %c: tensor<16x32xf32>) {
  // expected-error @+1 {{cos}}
  %0 = tfm.rotary_embedding %x, %c, %c : tensor<2x4x8x64xf32>, tensor<16x32xf32>, tensor<16x32xf32>
  return
}

// -----

// cos/sin are [batch, seq, rotary/2]: batch 3 for an input of batch 2.
func.func @rotary_embedding_cos_batch_mismatch(%x: tensor<2x4x8x64xf32>, %c: tensor<3x8x32xf32>) {
  // expected-error @+1 {{cos}}
  %0 = tfm.rotary_embedding %x, %c, %c : tensor<2x4x8x64xf32>, tensor<3x8x32xf32>, tensor<3x8x32xf32>
  return
}
