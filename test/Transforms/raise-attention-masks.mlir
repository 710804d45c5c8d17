// RUN: kiln-opt %s --kiln-raise-attention --split-input-file | FileCheck %s
// transformers 5 builds an attention mask as a conjunction of position terms (causal j <= i,
// sliding window j > i - W), trivially true terms (True, j >= 0) and the key padding read from
// the attention mask. The position terms become tfm.attention's `causal` and `window`; the
// padding, which does not depend on the query position, stays the mask operand, so no
// [Sq, Skv] mask is ever materialised.

// Mistral's sliding window (W = 4) with padding, as the dynamo exporter writes it.
// CHECK-LABEL: func.func @sliding_window_with_padding
// CHECK: tfm.attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<?x1x1x8xi1>) {causal, scale = 2.500000e-01 : f32, window = 4 : i64}
// CHECK-NOT: onnx.Softmax
func.func @sliding_window_with_padding(%q: tensor<?x4x8x16xf32>, %k: tensor<?x4x8x16xf32>, %v: tensor<?x4x8x16xf32>, %pad: tensor<?x1x1x8xi1>) -> tensor<?x4x8x16xf32> {
  %c0 = onnx.Constant dense<0> : tensor<i64>
  %c1 = onnx.Constant dense<1> : tensor<i64>
  %c4 = onnx.Constant dense<4> : tensor<i64>
  %c8 = onnx.Constant dense<8> : tensor<i64>
  %true = onnx.Constant dense<true> : tensor<i1>
  %jaxes = onnx.Constant dense<[0, 1, 2]> : tensor<3xi64>
  %iaxes = onnx.Constant dense<[0, 1, 3]> : tensor<3xi64>
  %zero = onnx.Constant dense<0.0> : tensor<f32>
  %ninf = onnx.Constant dense<0xFF800000> : tensor<f32>
  %r = onnx.Range %c0, %c8, %c1 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<8xi64>
  %j = onnx.Unsqueeze %r, %jaxes : (tensor<8xi64>, tensor<3xi64>) -> tensor<1x1x1x8xi64>
  %i = onnx.Unsqueeze %r, %iaxes : (tensor<8xi64>, tensor<3xi64>) -> tensor<1x1x8x1xi64>
  %first = onnx.Sub %i, %c4 : (tensor<1x1x8x1xi64>, tensor<i64>) -> tensor<1x1x8x1xi64>
  %window = onnx.Greater %j, %first : (tensor<1x1x1x8xi64>, tensor<1x1x8x1xi64>) -> tensor<1x1x8x8xi1>
  %causal = onnx.LessOrEqual %j, %i : (tensor<1x1x1x8xi64>, tensor<1x1x8x1xi64>) -> tensor<1x1x8x8xi1>
  %nonneg = onnx.GreaterOrEqual %j, %c0 : (tensor<1x1x1x8xi64>, tensor<i64>) -> tensor<1x1x1x8xi1>
  %a0 = onnx.And %true, %nonneg : (tensor<i1>, tensor<1x1x1x8xi1>) -> tensor<1x1x1x8xi1>
  %a1 = onnx.And %a0, %window : (tensor<1x1x1x8xi1>, tensor<1x1x8x8xi1>) -> tensor<1x1x8x8xi1>
  %a2 = onnx.And %a1, %causal : (tensor<1x1x8x8xi1>, tensor<1x1x8x8xi1>) -> tensor<1x1x8x8xi1>
  %keep = onnx.And %a2, %pad : (tensor<1x1x8x8xi1>, tensor<?x1x1x8xi1>) -> tensor<?x1x8x8xi1>
  %mask = onnx.Where %keep, %zero, %ninf : (tensor<?x1x8x8xi1>, tensor<f32>, tensor<f32>) -> tensor<?x1x8x8xf32>
  %kt = onnx.Transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<?x4x8x16xf32>) -> tensor<?x4x16x8xf32>
  %s = onnx.MatMul %q, %kt : (tensor<?x4x8x16xf32>, tensor<?x4x16x8xf32>) -> tensor<?x4x8x8xf32>
  %scale = onnx.Constant dense<2.500000e-01> : tensor<f32>
  %ss = onnx.Mul %s, %scale : (tensor<?x4x8x8xf32>, tensor<f32>) -> tensor<?x4x8x8xf32>
  %sm = onnx.Add %ss, %mask : (tensor<?x4x8x8xf32>, tensor<?x1x8x8xf32>) -> tensor<?x4x8x8xf32>
  %p = onnx.Softmax %sm {axis = -1 : i64} : (tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32>
  %o = onnx.MatMul %p, %v : (tensor<?x4x8x8xf32>, tensor<?x4x8x16xf32>) -> tensor<?x4x8x16xf32>
  return %o : tensor<?x4x8x16xf32>
}

// -----

// Two query-independent terms (padding and a per-key flag) stay, as their conjunction.
// CHECK-LABEL: func.func @two_padding_terms
// CHECK: %[[BOTH:.*]] = onnx.And %arg3, %arg4 : (tensor<?x1x1x8xi1>, tensor<1x1x1x8xi1>) -> tensor<?x1x1x8xi1>
// CHECK: tfm.attention %arg0, %arg1, %arg2 mask(%[[BOTH]] : tensor<?x1x1x8xi1>) {scale = 2.500000e-01 : f32}
func.func @two_padding_terms(%q: tensor<?x4x8x16xf32>, %k: tensor<?x4x8x16xf32>, %v: tensor<?x4x8x16xf32>, %pad: tensor<?x1x1x8xi1>, %flag: tensor<1x1x1x8xi1>) -> tensor<?x4x8x16xf32> {
  %keep = onnx.And %pad, %flag : (tensor<?x1x1x8xi1>, tensor<1x1x1x8xi1>) -> tensor<?x1x1x8xi1>
  %ninf = onnx.Constant dense<-1.0e+09> : tensor<f32>
  %kt = onnx.Transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<?x4x8x16xf32>) -> tensor<?x4x16x8xf32>
  %s = onnx.MatMul %q, %kt : (tensor<?x4x8x16xf32>, tensor<?x4x16x8xf32>) -> tensor<?x4x8x8xf32>
  %scale = onnx.Constant dense<2.500000e-01> : tensor<f32>
  %ss = onnx.Mul %s, %scale : (tensor<?x4x8x8xf32>, tensor<f32>) -> tensor<?x4x8x8xf32>
  %sm = onnx.Where %keep, %ss, %ninf : (tensor<?x1x1x8xi1>, tensor<?x4x8x8xf32>, tensor<f32>) -> tensor<?x4x8x8xf32>
  %p = onnx.Softmax %sm {axis = -1 : i64} : (tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32>
  %o = onnx.MatMul %p, %v : (tensor<?x4x8x8xf32>, tensor<?x4x8x16xf32>) -> tensor<?x4x8x16xf32>
  return %o : tensor<?x4x8x16xf32>
}

// -----

// A term that varies with the query but is not a position term (a [B, 1, Sq, Skv] input): the
// mask is kept whole.
// CHECK-LABEL: func.func @negative_query_dependent_term
// CHECK: tfm.attention %arg0, %arg1, %arg2 mask(%{{.*}} : tensor<?x1x8x8xi1>) {scale = 2.500000e-01 : f32}
func.func @negative_query_dependent_term(%q: tensor<?x4x8x16xf32>, %k: tensor<?x4x8x16xf32>, %v: tensor<?x4x8x16xf32>, %m: tensor<?x1x8x8xi1>) -> tensor<?x4x8x16xf32> {
  %c0 = onnx.Constant dense<0> : tensor<i64>
  %c1 = onnx.Constant dense<1> : tensor<i64>
  %c8 = onnx.Constant dense<8> : tensor<i64>
  %jaxes = onnx.Constant dense<[0, 1, 2]> : tensor<3xi64>
  %iaxes = onnx.Constant dense<[0, 1, 3]> : tensor<3xi64>
  %r = onnx.Range %c0, %c8, %c1 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<8xi64>
  %j = onnx.Unsqueeze %r, %jaxes : (tensor<8xi64>, tensor<3xi64>) -> tensor<1x1x1x8xi64>
  %i = onnx.Unsqueeze %r, %iaxes : (tensor<8xi64>, tensor<3xi64>) -> tensor<1x1x8x1xi64>
  %causal = onnx.LessOrEqual %j, %i : (tensor<1x1x1x8xi64>, tensor<1x1x8x1xi64>) -> tensor<1x1x8x8xi1>
  %keep = onnx.And %causal, %m : (tensor<1x1x8x8xi1>, tensor<?x1x8x8xi1>) -> tensor<?x1x8x8xi1>
  %ninf = onnx.Constant dense<-1.0e+09> : tensor<f32>
  %kt = onnx.Transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<?x4x8x16xf32>) -> tensor<?x4x16x8xf32>
  %s = onnx.MatMul %q, %kt : (tensor<?x4x8x16xf32>, tensor<?x4x16x8xf32>) -> tensor<?x4x8x8xf32>
  %scale = onnx.Constant dense<2.500000e-01> : tensor<f32>
  %ss = onnx.Mul %s, %scale : (tensor<?x4x8x8xf32>, tensor<f32>) -> tensor<?x4x8x8xf32>
  %sm = onnx.Where %keep, %ss, %ninf : (tensor<?x1x8x8xi1>, tensor<?x4x8x8xf32>, tensor<f32>) -> tensor<?x4x8x8xf32>
  %p = onnx.Softmax %sm {axis = -1 : i64} : (tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32>
  %o = onnx.MatMul %p, %v : (tensor<?x4x8x8xf32>, tensor<?x4x8x16xf32>) -> tensor<?x4x8x16xf32>
  return %o : tensor<?x4x8x16xf32>
}

// -----

// A window with no causal bound (keys after the query are visible) is not tfm's window: the
// mask is kept.
// CHECK-LABEL: func.func @negative_window_without_causal
// CHECK: tfm.attention %arg0, %arg1, %arg2 mask(%{{.*}} : tensor<1x1x8x8xi1>) {scale = 2.500000e-01 : f32}
func.func @negative_window_without_causal(%q: tensor<?x4x8x16xf32>, %k: tensor<?x4x8x16xf32>, %v: tensor<?x4x8x16xf32>) -> tensor<?x4x8x16xf32> {
  %c0 = onnx.Constant dense<0> : tensor<i64>
  %c1 = onnx.Constant dense<1> : tensor<i64>
  %c4 = onnx.Constant dense<4> : tensor<i64>
  %c8 = onnx.Constant dense<8> : tensor<i64>
  %jaxes = onnx.Constant dense<[0, 1, 2]> : tensor<3xi64>
  %iaxes = onnx.Constant dense<[0, 1, 3]> : tensor<3xi64>
  %r = onnx.Range %c0, %c8, %c1 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<8xi64>
  %j = onnx.Unsqueeze %r, %jaxes : (tensor<8xi64>, tensor<3xi64>) -> tensor<1x1x1x8xi64>
  %i = onnx.Unsqueeze %r, %iaxes : (tensor<8xi64>, tensor<3xi64>) -> tensor<1x1x8x1xi64>
  %first = onnx.Sub %i, %c4 : (tensor<1x1x8x1xi64>, tensor<i64>) -> tensor<1x1x8x1xi64>
  %keep = onnx.Greater %j, %first : (tensor<1x1x1x8xi64>, tensor<1x1x8x1xi64>) -> tensor<1x1x8x8xi1>
  %ninf = onnx.Constant dense<-1.0e+09> : tensor<f32>
  %kt = onnx.Transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<?x4x8x16xf32>) -> tensor<?x4x16x8xf32>
  %s = onnx.MatMul %q, %kt : (tensor<?x4x8x16xf32>, tensor<?x4x16x8xf32>) -> tensor<?x4x8x8xf32>
  %scale = onnx.Constant dense<2.500000e-01> : tensor<f32>
  %ss = onnx.Mul %s, %scale : (tensor<?x4x8x8xf32>, tensor<f32>) -> tensor<?x4x8x8xf32>
  %sm = onnx.Where %keep, %ss, %ninf : (tensor<1x1x8x8xi1>, tensor<?x4x8x8xf32>, tensor<f32>) -> tensor<?x4x8x8xf32>
  %p = onnx.Softmax %sm {axis = -1 : i64} : (tensor<?x4x8x8xf32>) -> tensor<?x4x8x8xf32>
  %o = onnx.MatMul %p, %v : (tensor<?x4x8x8xf32>, tensor<?x4x8x16xf32>) -> tensor<?x4x8x16xf32>
  return %o : tensor<?x4x8x16xf32>
}

// -----

// DeBERTa: masked_fill(~keep, finfo.min) around Q·Kᵀ/s plus relative-position terms computed
// from Q (any tensor of the scores' shape) plus a scalar 0 (shift-invariant, dropped). The
// terms and the keep mask become one mask; masked_value keeps masked_fill's finite value, so
// a row the mask hides entirely still averages V as torch computes it.
// CHECK-LABEL: func.func @masked_fill_around_terms
// CHECK: %[[PAD:.*]] = onnx.Where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x1x?x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x1x?x?xf32>
// CHECK: %[[MASK:.*]] = onnx.Add %arg3, %[[PAD]]
// CHECK: tfm.attention %arg0, %arg1, %arg2 mask(%[[MASK]] : tensor<?x4x?x?xf32>) {masked_value = -3.40282347E+38 : f32, scale = 0.353553385 : f32}
// CHECK-NOT: onnx.Softmax
func.func @masked_fill_around_terms(%q: tensor<?x4x?x8xf32>, %k: tensor<?x4x?x8xf32>, %v: tensor<?x4x?x8xf32>, %rel: tensor<?x4x?x?xf32>, %keep: tensor<?x1x?x?xi1>) -> tensor<?x4x?x8xf32> {
  %s = onnx.Constant dense<2.82842708> : tensor<f32>
  %zero = onnx.Constant dense<0.0> : tensor<f32>
  %min = onnx.Constant dense<-3.40282347E+38> : tensor<f32>
  %kt = onnx.Transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<?x4x?x8xf32>) -> tensor<?x4x8x?xf32>
  %qk = onnx.MatMul %q, %kt : (tensor<?x4x?x8xf32>, tensor<?x4x8x?xf32>) -> tensor<?x4x?x?xf32>
  %scaled = onnx.Div %qk, %s : (tensor<?x4x?x?xf32>, tensor<f32>) -> tensor<?x4x?x?xf32>
  %rel0 = onnx.Add %rel, %zero : (tensor<?x4x?x?xf32>, tensor<f32>) -> tensor<?x4x?x?xf32>
  %scores = onnx.Add %scaled, %rel0 : (tensor<?x4x?x?xf32>, tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
  %hidden = onnx.Not %keep : (tensor<?x1x?x?xi1>) -> tensor<?x1x?x?xi1>
  %filled = onnx.Where %hidden, %min, %scores : (tensor<?x1x?x?xi1>, tensor<f32>, tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
  %p = onnx.Softmax %filled : (tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
  %o = onnx.MatMul %p, %v : (tensor<?x4x?x?xf32>, tensor<?x4x?x8xf32>) -> tensor<?x4x?x8xf32>
  return %o : tensor<?x4x?x8xf32>
}
