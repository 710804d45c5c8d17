// RUN: kiln-opt %s --kiln-raise-rotary-embedding --split-input-file | FileCheck %s
// RUN: kiln-opt %s --kiln-raise-rotary-embedding=ops-only --split-input-file | FileCheck %s --check-prefix=OPS

// rotate_half as torch.onnx.export(dynamo=True) writes it (test/models/llama_sdpa_dynamo.onnx):
// x * cos + Concat(-x[.., 8:], x[.., :8]) * sin, tables [1, 1, S, 16] (one angle per feature).
// CHECK-LABEL: func.func @rotate_half_slices
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x?x16xf32>, %[[C:.*]]: tensor<1x1x?x16xf32>, %[[S:.*]]: tensor<1x1x?x16xf32>)
// CHECK: %[[Y:.*]] = tfm.rotary_embedding %[[X]], %[[C]], %[[S]] : tensor<?x4x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>
// CHECK-NEXT: return %[[Y]]
// OPS-LABEL: func.func @rotate_half_slices
// OPS-NOT: tfm.rotary_embedding
func.func @rotate_half_slices(%x: tensor<?x4x?x16xf32>, %cos: tensor<1x1x?x16xf32>, %sin: tensor<1x1x?x16xf32>) -> tensor<?x4x?x16xf32> {
  %c0 = onnx.Constant dense<0> : tensor<1xi64>
  %c8 = onnx.Constant dense<8> : tensor<1xi64>
  %c3 = onnx.Constant dense<3> : tensor<1xi64>
  %c1 = onnx.Constant dense<1> : tensor<1xi64>
  %max = onnx.Constant dense<9223372036854775807> : tensor<1xi64>
  %0 = onnx.Mul %x, %cos : (tensor<?x4x?x16xf32>, tensor<1x1x?x16xf32>) -> tensor<?x4x?x16xf32>
  %1 = onnx.Slice %x, %c0, %c8 axes(%c3) steps(%c1) : (tensor<?x4x?x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x4x?x8xf32>
  %2 = onnx.Slice %x, %c8, %max axes(%c3) steps(%c1) : (tensor<?x4x?x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x4x?x8xf32>
  %3 = onnx.Neg %2 : (tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32>
  %4 = onnx.Concat %3, %1 {axis = -1 : i64} : (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>) -> tensor<?x4x?x16xf32>
  %5 = onnx.Mul %4, %sin : (tensor<?x4x?x16xf32>, tensor<1x1x?x16xf32>) -> tensor<?x4x?x16xf32>
  %6 = onnx.Add %0, %5 : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  return %6 : tensor<?x4x?x16xf32>
}

// -----

// Halves by one Split, products and sum in the other operand order, and a partial rotation
// of the first 8 of 32 features: one op with rotary_dim = 8.
// CHECK-LABEL: func.func @split_partial
// CHECK-SAME: (%[[X:.*]]: tensor<2x5x4x32xf32>, %[[C:.*]]: tensor<5x1x8xf32>, %[[S:.*]]: tensor<5x1x8xf32>)
// CHECK: %[[Y:.*]] = tfm.rotary_embedding %[[X]], %[[C]], %[[S]] {rotary_dim = 8 : i64} : tensor<2x5x4x32xf32>, tensor<5x1x8xf32>, tensor<5x1x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @split_partial(%x: tensor<2x5x4x32xf32>, %cos: tensor<5x1x8xf32>, %sin: tensor<5x1x8xf32>) -> tensor<2x5x4x32xf32> {
  %c0 = onnx.Constant dense<0> : tensor<1xi64>
  %c8 = onnx.Constant dense<8> : tensor<1xi64>
  %c32 = onnx.Constant dense<32> : tensor<1xi64>
  %axis = onnx.Constant dense<-1> : tensor<1xi64>
  %rot = onnx.Slice %x, %c0, %c8 axes(%axis) : (tensor<2x5x4x32xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x5x4x8xf32>
  %pass = onnx.Slice %x, %c8, %c32 axes(%axis) : (tensor<2x5x4x32xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2x5x4x24xf32>
  %a, %b = onnx.Split %rot {axis = 3 : i64, num_outputs = 2 : i64} : (tensor<2x5x4x8xf32>) -> (tensor<2x5x4x4xf32>, tensor<2x5x4x4xf32>)
  %0 = onnx.Neg %b : (tensor<2x5x4x4xf32>) -> tensor<2x5x4x4xf32>
  %1 = onnx.Concat %0, %a {axis = 3 : i64} : (tensor<2x5x4x4xf32>, tensor<2x5x4x4xf32>) -> tensor<2x5x4x8xf32>
  %2 = onnx.Mul %sin, %1 : (tensor<5x1x8xf32>, tensor<2x5x4x8xf32>) -> tensor<2x5x4x8xf32>
  %3 = onnx.Mul %cos, %rot : (tensor<5x1x8xf32>, tensor<2x5x4x8xf32>) -> tensor<2x5x4x8xf32>
  %4 = onnx.Add %2, %3 : (tensor<2x5x4x8xf32>, tensor<2x5x4x8xf32>) -> tensor<2x5x4x8xf32>
  %5 = onnx.Concat %4, %pass {axis = -1 : i64} : (tensor<2x5x4x8xf32>, tensor<2x5x4x24xf32>) -> tensor<2x5x4x32xf32>
  return %5 : tensor<2x5x4x32xf32>
}

// -----

// negative_: Concat(x1, -x2) rotates the other way; it is not rotate_half.
// CHECK-LABEL: func.func @negative_rotation_sign
// CHECK-NOT: tfm.rotary_embedding
func.func @negative_rotation_sign(%x: tensor<1x2x3x8xf32>, %cos: tensor<3x8xf32>, %sin: tensor<3x8xf32>) -> tensor<1x2x3x8xf32> {
  %a, %b = onnx.Split %x {axis = -1 : i64, num_outputs = 2 : i64} : (tensor<1x2x3x8xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>)
  %0 = onnx.Neg %b : (tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %1 = onnx.Concat %a, %0 {axis = -1 : i64} : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x8xf32>
  %2 = onnx.Mul %1, %sin : (tensor<1x2x3x8xf32>, tensor<3x8xf32>) -> tensor<1x2x3x8xf32>
  %3 = onnx.Mul %x, %cos : (tensor<1x2x3x8xf32>, tensor<3x8xf32>) -> tensor<1x2x3x8xf32>
  %4 = onnx.Add %3, %2 : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  return %4 : tensor<1x2x3x8xf32>
}

// -----

// negative_: the rotated halves of another tensor than the one multiplied by cos.
// CHECK-LABEL: func.func @negative_other_tensor
// CHECK-NOT: tfm.rotary_embedding
func.func @negative_other_tensor(%x: tensor<1x2x3x8xf32>, %z: tensor<1x2x3x8xf32>, %cos: tensor<3x8xf32>, %sin: tensor<3x8xf32>) -> tensor<1x2x3x8xf32> {
  %a, %b = onnx.Split %z {axis = -1 : i64, num_outputs = 2 : i64} : (tensor<1x2x3x8xf32>) -> (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>)
  %0 = onnx.Neg %b : (tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %1 = onnx.Concat %0, %a {axis = -1 : i64} : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x8xf32>
  %2 = onnx.Mul %1, %sin : (tensor<1x2x3x8xf32>, tensor<3x8xf32>) -> tensor<1x2x3x8xf32>
  %3 = onnx.Mul %x, %cos : (tensor<1x2x3x8xf32>, tensor<3x8xf32>) -> tensor<1x2x3x8xf32>
  %4 = onnx.Add %3, %2 : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  return %4 : tensor<1x2x3x8xf32>
}

// -----

// ONNX RotaryEmbedding (opset 23) on [B, H, S, D] with [B, S, D/2] caches: the caches get a
// heads dim; also raised with ops-only (the --no-fusion path).
// CHECK-LABEL: func.func @onnx_op_4d
// CHECK: %[[C:.*]] = onnx.Unsqueeze %arg1, %{{.*}} : (tensor<?x?x8xf32>, tensor<1xi64>) -> tensor<?x1x?x8xf32>
// CHECK: %[[S:.*]] = onnx.Unsqueeze %arg2, %{{.*}} : (tensor<?x?x8xf32>, tensor<1xi64>) -> tensor<?x1x?x8xf32>
// CHECK: tfm.rotary_embedding %arg0, %[[C]], %[[S]] {interleaved} : tensor<?x4x?x16xf32>, tensor<?x1x?x8xf32>, tensor<?x1x?x8xf32>
// OPS-LABEL: func.func @onnx_op_4d
// OPS: tfm.rotary_embedding
func.func @onnx_op_4d(%x: tensor<?x4x?x16xf32>, %cos: tensor<?x?x8xf32>, %sin: tensor<?x?x8xf32>) -> tensor<?x4x?x16xf32> {
  %0 = onnx.RotaryEmbedding %x, %cos, %sin {interleaved = 1 : i64} : (tensor<?x4x?x16xf32>, tensor<?x?x8xf32>, tensor<?x?x8xf32>) -> tensor<?x4x?x16xf32>
  return %0 : tensor<?x4x?x16xf32>
}

// -----

// ONNX Runtime's RotaryEmbedding on [B, S, hidden] with position ids: viewed as
// [B, S, heads, D], caches gathered by position and given a heads dim, partial rotation.
// CHECK-LABEL: func.func @microsoft_op_3d
// CHECK: %[[X4:.*]] = onnx.Reshape %arg0, %{{.*}} : (tensor<2x?x64xf32>, tensor<4xi64>) -> tensor<2x?x4x16xf32>
// CHECK: %[[G:.*]] = onnx.Gather %arg2, %arg1 : (tensor<128x4xf32>, tensor<2x?xi64>) -> tensor<2x?x4xf32>
// CHECK: %[[C:.*]] = onnx.Unsqueeze %[[G]], %{{.*}} -> tensor<2x?x1x4xf32>
// CHECK: %[[Y:.*]] = tfm.rotary_embedding %[[X4]], %[[C]], %{{.*}} {rotary_dim = 8 : i64} : tensor<2x?x4x16xf32>, tensor<2x?x1x4xf32>, tensor<2x?x1x4xf32>
// CHECK: onnx.Reshape %[[Y]], %{{.*}} -> tensor<2x?x64xf32>
func.func @microsoft_op_3d(%x: tensor<2x?x64xf32>, %pos: tensor<2x?xi64>, %cos: tensor<128x4xf32>, %sin: tensor<128x4xf32>) -> tensor<2x?x64xf32> {
  %0 = onnx.com.microsoft.RotaryEmbedding %x, %pos, %cos, %sin {num_heads = 4 : i64, rotary_embedding_dim = 8 : i64} : (tensor<2x?x64xf32>, tensor<2x?xi64>, tensor<128x4xf32>, tensor<128x4xf32>) -> tensor<2x?x64xf32>
  return %0 : tensor<2x?x64xf32>
}

// -----

// negative_: the offset form of position ids is left alone, with the reason.
// CHECK-LABEL: func.func @negative_position_offset
// CHECK: onnx.com.microsoft.RotaryEmbedding {{.*}}kiln.fusion_miss = "position_ids is not [batch, seq] (the offset form is not supported)"
func.func @negative_position_offset(%x: tensor<1x4x3x16xf32>, %pos: tensor<1xi64>, %cos: tensor<128x8xf32>, %sin: tensor<128x8xf32>) -> tensor<1x4x3x16xf32> {
  %0 = onnx.com.microsoft.RotaryEmbedding %x, %pos, %cos, %sin : (tensor<1x4x3x16xf32>, tensor<1xi64>, tensor<128x8xf32>, tensor<128x8xf32>) -> tensor<1x4x3x16xf32>
  return %0 : tensor<1x4x3x16xf32>
}

// -----

// GPT-J's rotate_every_two as the dynamo exporter writes it: stack((-x[.., 1::2],
// x[.., ::2]), -1).flatten(-2), per-feature tables.
// CHECK-LABEL: func.func @interleaved_every_two
// CHECK: %[[Y:.*]] = tfm.rotary_embedding %arg0, %arg1, %arg2 {interleaved} : tensor<?x4x?x16xf32>, tensor<1x1x?x16xf32>, tensor<1x1x?x16xf32>
// CHECK-NEXT: return %[[Y]]
func.func @interleaved_every_two(%x: tensor<?x4x?x16xf32>, %cos: tensor<1x1x?x16xf32>, %sin: tensor<1x1x?x16xf32>) -> tensor<?x4x?x16xf32> {
  %c0 = onnx.Constant dense<0> : tensor<1xi64>
  %c1 = onnx.Constant dense<1> : tensor<1xi64>
  %c2 = onnx.Constant dense<2> : tensor<1xi64>
  %c3 = onnx.Constant dense<3> : tensor<1xi64>
  %c16 = onnx.Constant dense<16> : tensor<1xi64>
  %last = onnx.Constant dense<-1> : tensor<1xi64>
  %max = onnx.Constant dense<9223372036854775807> : tensor<1xi64>
  %b = onnx.Shape %x {end = 1 : i64} : (tensor<?x4x?x16xf32>) -> tensor<1xi64>
  %s = onnx.Shape %x {start = 2 : i64, end = 3 : i64} : (tensor<?x4x?x16xf32>) -> tensor<1xi64>
  %c4 = onnx.Constant dense<4> : tensor<1xi64>
  %shape = onnx.Concat %b, %c4, %s, %c16 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %0 = onnx.Mul %x, %cos : (tensor<?x4x?x16xf32>, tensor<1x1x?x16xf32>) -> tensor<?x4x?x16xf32>
  %even = onnx.Slice %x, %c0, %max axes(%c3) steps(%c2) : (tensor<?x4x?x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x4x?x8xf32>
  %1 = onnx.Unsqueeze %even, %last : (tensor<?x4x?x8xf32>, tensor<1xi64>) -> tensor<?x4x?x8x1xf32>
  %odd = onnx.Slice %x, %c1, %max axes(%c3) steps(%c2) : (tensor<?x4x?x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x4x?x8xf32>
  %2 = onnx.Neg %odd : (tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32>
  %3 = onnx.Unsqueeze %2, %last : (tensor<?x4x?x8xf32>, tensor<1xi64>) -> tensor<?x4x?x8x1xf32>
  %4 = onnx.Concat %3, %1 {axis = -1 : i64} : (tensor<?x4x?x8x1xf32>, tensor<?x4x?x8x1xf32>) -> tensor<?x4x?x8x2xf32>
  %5 = onnx.Reshape %4, %shape {allowzero = 1 : i64} : (tensor<?x4x?x8x2xf32>, tensor<4xi64>) -> tensor<?x4x?x16xf32>
  %6 = onnx.Mul %5, %sin : (tensor<?x4x?x16xf32>, tensor<1x1x?x16xf32>) -> tensor<?x4x?x16xf32>
  %7 = onnx.Add %0, %6 : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  return %7 : tensor<?x4x?x16xf32>
}

// -----

// negative_: the pairs stacked the other way round (x_odd, -x_even) rotate backwards.
// CHECK-LABEL: func.func @negative_interleaved_order
// CHECK-NOT: tfm.rotary_embedding
func.func @negative_interleaved_order(%x: tensor<1x2x3x8xf32>, %cos: tensor<3x8xf32>, %sin: tensor<3x8xf32>) -> tensor<1x2x3x8xf32> {
  %c0 = onnx.Constant dense<0> : tensor<1xi64>
  %c1 = onnx.Constant dense<1> : tensor<1xi64>
  %c2 = onnx.Constant dense<2> : tensor<1xi64>
  %c8 = onnx.Constant dense<8> : tensor<1xi64>
  %last = onnx.Constant dense<-1> : tensor<1xi64>
  %shape = onnx.Constant dense<[1, 2, 3, 8]> : tensor<4xi64>
  %even = onnx.Slice %x, %c0, %c8 axes(%last) steps(%c2) : (tensor<1x2x3x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x2x3x4xf32>
  %odd = onnx.Slice %x, %c1, %c8 axes(%last) steps(%c2) : (tensor<1x2x3x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x2x3x4xf32>
  %0 = onnx.Neg %even : (tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %1 = onnx.Unsqueeze %odd, %last : (tensor<1x2x3x4xf32>, tensor<1xi64>) -> tensor<1x2x3x4x1xf32>
  %2 = onnx.Unsqueeze %0, %last : (tensor<1x2x3x4xf32>, tensor<1xi64>) -> tensor<1x2x3x4x1xf32>
  %3 = onnx.Concat %1, %2 {axis = -1 : i64} : (tensor<1x2x3x4x1xf32>, tensor<1x2x3x4x1xf32>) -> tensor<1x2x3x4x2xf32>
  %4 = onnx.Reshape %3, %shape : (tensor<1x2x3x4x2xf32>, tensor<4xi64>) -> tensor<1x2x3x8xf32>
  %5 = onnx.Mul %x, %cos : (tensor<1x2x3x8xf32>, tensor<3x8xf32>) -> tensor<1x2x3x8xf32>
  %6 = onnx.Mul %4, %sin : (tensor<1x2x3x8xf32>, tensor<3x8xf32>) -> tensor<1x2x3x8xf32>
  %7 = onnx.Add %5, %6 : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  return %7 : tensor<1x2x3x8xf32>
}
