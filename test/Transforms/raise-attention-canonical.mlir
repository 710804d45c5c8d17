// RUN: kiln-opt %s --kiln-raise-attention --split-input-file | FileCheck %s

// torch.onnx.export(dynamo=True, opset 18) of
// scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True), trimmed from a real
// export: the causal mask is Where(Equal(Trilu(Expand(1, [Sq, Skv])), 0), -max, 0); K and V
// repeat their 2 heads to 4 through Unsqueeze/Expand/Reshape; Kᵀ goes through [B*H, S, D];
// the scale is √scale on Q and on Kᵀ. Q and K both take their lengths from %x, so the
// top-left mask is the causal mask.
// CHECK-LABEL: func.func @dynamo_sdpa_causal_gqa
// CHECK: %[[K:.*]] = onnx.Transpose %{{.*}} : (tensor<?x?x2x16xf32>) -> tensor<?x2x?x16xf32>
// CHECK: %[[V:.*]] = onnx.Transpose %{{.*}} : (tensor<?x?x2x16xf32>) -> tensor<?x2x?x16xf32>
// CHECK: tfm.attention %{{.*}}, %[[K]], %[[V]] {causal, query_layout = #tfm.layout<bshd>, scale = 2.500000e-01 : f32} : tensor<?x?x4x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32> -> tensor<?x4x?x16xf32>
// CHECK-NOT: onnx.Softmax
// CHECK-NOT: onnx.Trilu
func.func @dynamo_sdpa_causal_gqa(%x: tensor<?x?x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x32xf32>, %wv: tensor<64x32xf32>) -> tensor<?x4x?x16xf32> {
  %c2 = onnx.Constant dense<2> : tensor<1xi64>
  %c4 = onnx.Constant dense<4> : tensor<1xi64>
  %c16 = onnx.Constant dense<16> : tensor<1xi64>
  %cm1 = onnx.Constant dense<-1> : tensor<1xi64>
  %cm2 = onnx.Constant dense<-2> : tensor<1xi64>
  %cmin = onnx.Constant dense<-9223372036854775808> : tensor<1xi64>
  %cmax = onnx.Constant dense<9223372036854775807> : tensor<1xi64>
  %axis2 = onnx.Constant dense<2> : tensor<i64>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %zero = onnx.Constant dense<0.0> : tensor<f32>
  %ninf = onnx.Constant dense<-3.40282347E+38> : tensor<f32>
  %half = onnx.Constant dense<5.000000e-01> : tensor<1xf32>
  %b = onnx.Shape %x {end = 1 : i64} : (tensor<?x?x64xf32>) -> tensor<1xi64>
  %s = onnx.Shape %x {end = 2 : i64, start = 1 : i64} : (tensor<?x?x64xf32>) -> tensor<1xi64>
  %qshape = onnx.Concat %b, %s, %c4, %c16 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %kvshape = onnx.Concat %b, %s, %c2, %c16 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %0 = onnx.MatMul %x, %wq : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> tensor<?x?x64xf32>
  %1 = onnx.Reshape %0, %qshape {allowzero = 1 : i64} : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x4x16xf32>
  %q = onnx.Transpose %1 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x4x16xf32>) -> tensor<?x4x?x16xf32>
  %2 = onnx.MatMul %x, %wk : (tensor<?x?x64xf32>, tensor<64x32xf32>) -> tensor<?x?x32xf32>
  %3 = onnx.Reshape %2, %kvshape {allowzero = 1 : i64} : (tensor<?x?x32xf32>, tensor<4xi64>) -> tensor<?x?x2x16xf32>
  %k = onnx.Transpose %3 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x16xf32>) -> tensor<?x2x?x16xf32>
  %4 = onnx.MatMul %x, %wv : (tensor<?x?x64xf32>, tensor<64x32xf32>) -> tensor<?x?x32xf32>
  %5 = onnx.Reshape %4, %kvshape {allowzero = 1 : i64} : (tensor<?x?x32xf32>, tensor<4xi64>) -> tensor<?x?x2x16xf32>
  %v = onnx.Transpose %5 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x2x16xf32>) -> tensor<?x2x?x16xf32>
  // the causal mask
  %qs = onnx.Shape %q : (tensor<?x4x?x16xf32>) -> tensor<4xi64>
  %sq = onnx.Slice %qs, %cm2, %cm1 : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %ks = onnx.Shape %k : (tensor<?x2x?x16xf32>) -> tensor<4xi64>
  %skv = onnx.Slice %ks, %cm2, %cm1 : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %mshape = onnx.Concat %sq, %skv {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %6 = onnx.Expand %one, %mshape : (tensor<f32>, tensor<2xi64>) -> tensor<?x?xf32>
  %7 = onnx.Trilu %6 {upper = 0 : i64} : (tensor<?x?xf32>) -> tensor<?x?xf32>
  %8 = onnx.Equal %7, %zero : (tensor<?x?xf32>, tensor<f32>) -> tensor<?x?xi1>
  %mask = onnx.Where %8, %ninf, %zero : (tensor<?x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>
  // repeat_kv
  %qb = onnx.Shape %q {end = 1 : i64} : (tensor<?x4x?x16xf32>) -> tensor<1xi64>
  %ksq = onnx.Shape %k {end = 3 : i64, start = 2 : i64} : (tensor<?x2x?x16xf32>) -> tensor<1xi64>
  %eshape = onnx.Concat %qb, %c2, %c2, %ksq, %c16 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<5xi64>
  %rshape = onnx.Concat %qb, %c4, %ksq, %c16 {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %9 = onnx.Unsqueeze %k, %axis2 : (tensor<?x2x?x16xf32>, tensor<i64>) -> tensor<?x2x1x?x16xf32>
  %10 = onnx.Expand %9, %eshape : (tensor<?x2x1x?x16xf32>, tensor<5xi64>) -> tensor<?x2x2x?x16xf32>
  %kr = onnx.Reshape %10, %rshape : (tensor<?x2x2x?x16xf32>, tensor<4xi64>) -> tensor<?x4x?x16xf32>
  %11 = onnx.Unsqueeze %v, %axis2 : (tensor<?x2x?x16xf32>, tensor<i64>) -> tensor<?x2x1x?x16xf32>
  %12 = onnx.Expand %11, %eshape : (tensor<?x2x1x?x16xf32>, tensor<5xi64>) -> tensor<?x2x2x?x16xf32>
  %vr = onnx.Reshape %12, %rshape : (tensor<?x2x2x?x16xf32>, tensor<4xi64>) -> tensor<?x4x?x16xf32>
  // Kᵀ through [B*H, S, D]
  %krs = onnx.Shape %kr : (tensor<?x4x?x16xf32>) -> tensor<4xi64>
  %last = onnx.Slice %krs, %cm1, %cmax : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %seq = onnx.Slice %krs, %cm2, %cm1 : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %lead = onnx.Slice %krs, %cmin, %cm2 : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %flat = onnx.Concat %cm1, %seq, %last {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %13 = onnx.Reshape %kr, %flat : (tensor<?x4x?x16xf32>, tensor<3xi64>) -> tensor<?x?x16xf32>
  %14 = onnx.Transpose %13 {perm = array<i64: 0, 2, 1>} : (tensor<?x?x16xf32>) -> tensor<?x16x?xf32>
  %unflat = onnx.Concat %lead, %last, %seq {axis = 0 : i64} : (tensor<2xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %kt = onnx.Reshape %14, %unflat : (tensor<?x16x?xf32>, tensor<4xi64>) -> tensor<?x4x16x?xf32>
  %15 = onnx.Mul %q, %half : (tensor<?x4x?x16xf32>, tensor<1xf32>) -> tensor<?x4x?x16xf32>
  %16 = onnx.Mul %kt, %half : (tensor<?x4x16x?xf32>, tensor<1xf32>) -> tensor<?x4x16x?xf32>
  %17 = onnx.MatMul %15, %16 : (tensor<?x4x?x16xf32>, tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32>
  %18 = onnx.Add %17, %mask : (tensor<?x4x?x?xf32>, tensor<?x?xf32>) -> tensor<?x4x?x?xf32>
  %19 = onnx.Softmax %18 : (tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
  %20 = onnx.MatMul %19, %vr : (tensor<?x4x?x?xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  return %20 : tensor<?x4x?x16xf32>
}

// -----

// The same top-left mask when Q and K are unrelated inputs: their lengths may differ, so it
// is not tfm.attention's (bottom-right) causal mask and stays an explicit mask.
// CHECK-LABEL: func.func @top_left_mask_of_unrelated_lengths
// CHECK: tfm.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}} : tensor<?x?xf32>) {scale = 2.500000e-01 : f32}
// CHECK-NOT: causal
func.func @top_left_mask_of_unrelated_lengths(%q: tensor<1x4x?x16xf32>, %k: tensor<1x4x?x16xf32>, %v: tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32> {
  %cm1 = onnx.Constant dense<-1> : tensor<1xi64>
  %cm2 = onnx.Constant dense<-2> : tensor<1xi64>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %zero = onnx.Constant dense<0.0> : tensor<f32>
  %ninf = onnx.Constant dense<-3.40282347E+38> : tensor<f32>
  %scale = onnx.Constant dense<2.500000e-01> : tensor<f32>
  %qs = onnx.Shape %q : (tensor<1x4x?x16xf32>) -> tensor<4xi64>
  %sq = onnx.Slice %qs, %cm2, %cm1 : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %ks = onnx.Shape %k : (tensor<1x4x?x16xf32>) -> tensor<4xi64>
  %skv = onnx.Slice %ks, %cm2, %cm1 : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %mshape = onnx.Concat %sq, %skv {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %0 = onnx.Expand %one, %mshape : (tensor<f32>, tensor<2xi64>) -> tensor<?x?xf32>
  %1 = onnx.Trilu %0 {upper = 0 : i64} : (tensor<?x?xf32>) -> tensor<?x?xf32>
  %2 = onnx.Equal %1, %zero : (tensor<?x?xf32>, tensor<f32>) -> tensor<?x?xi1>
  %mask = onnx.Where %2, %ninf, %zero : (tensor<?x?xi1>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>
  %kt = onnx.Transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x4x?x16xf32>) -> tensor<1x4x16x?xf32>
  %3 = onnx.MatMul %q, %kt : (tensor<1x4x?x16xf32>, tensor<1x4x16x?xf32>) -> tensor<1x4x?x?xf32>
  %4 = onnx.Mul %3, %scale : (tensor<1x4x?x?xf32>, tensor<f32>) -> tensor<1x4x?x?xf32>
  %5 = onnx.Add %4, %mask : (tensor<1x4x?x?xf32>, tensor<?x?xf32>) -> tensor<1x4x?x?xf32>
  %6 = onnx.Softmax %5 : (tensor<1x4x?x?xf32>) -> tensor<1x4x?x?xf32>
  %7 = onnx.MatMul %6, %v : (tensor<1x4x?x?xf32>, tensor<1x4x?x16xf32>) -> tensor<1x4x?x16xf32>
  return %7 : tensor<1x4x?x16xf32>
}

// -----

// GPT-2 (HF): a lower-triangular bool buffer sliced to [Skv - Sq : Skv, : Skv], then
// Where(mask, scores, min). With 2 queries over 5 keys the slice starts at row 3: the
// bottom-right causal mask.
// CHECK-LABEL: func.func @gpt2_sliced_buffer
// CHECK: tfm.attention %{{.*}}, %{{.*}}, %{{.*}} {causal, scale = 2.500000e-01 : f32}
func.func @gpt2_sliced_buffer(%q: tensor<1x2x2x16xf32>, %k: tensor<1x2x5x16xf32>, %v: tensor<1x2x5x16xf32>) -> tensor<1x2x2x16xf32> {
  %buffer = onnx.Constant dense<[[[[true, false, false, false, false, false], [true, true, false, false, false, false], [true, true, true, false, false, false], [true, true, true, true, false, false], [true, true, true, true, true, false], [true, true, true, true, true, true]]]]> : tensor<1x1x6x6xi1>
  %starts = onnx.Constant dense<[3, 0]> : tensor<2xi64>
  %ends = onnx.Constant dense<[5, 5]> : tensor<2xi64>
  %axes = onnx.Constant dense<[2, 3]> : tensor<2xi64>
  %min = onnx.Constant dense<-3.40282347E+38> : tensor<f32>
  %scale = onnx.Constant dense<4.0> : tensor<f32>
  %mask = onnx.Slice %buffer, %starts, %ends axes(%axes) : (tensor<1x1x6x6xi1>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x1x2x5xi1>
  %kt = onnx.Transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x5x16xf32>) -> tensor<1x2x16x5xf32>
  %0 = onnx.MatMul %q, %kt : (tensor<1x2x2x16xf32>, tensor<1x2x16x5xf32>) -> tensor<1x2x2x5xf32>
  %1 = onnx.Div %0, %scale : (tensor<1x2x2x5xf32>, tensor<f32>) -> tensor<1x2x2x5xf32>
  %2 = onnx.Where %mask, %1, %min : (tensor<1x1x2x5xi1>, tensor<1x2x2x5xf32>, tensor<f32>) -> tensor<1x2x2x5xf32>
  %3 = onnx.Softmax %2 : (tensor<1x2x2x5xf32>) -> tensor<1x2x2x5xf32>
  %4 = onnx.MatMul %3, %v : (tensor<1x2x2x5xf32>, tensor<1x2x5x16xf32>) -> tensor<1x2x2x16xf32>
  return %4 : tensor<1x2x2x16xf32>
}

// -----

// The same buffer sliced from row 0 with 2 queries over 5 keys is a top-left mask: not causal
// in tfm's sense, so it stays a mask.
// CHECK-LABEL: func.func @top_left_slice_of_unequal_lengths
// CHECK: tfm.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}} : tensor<1x1x2x5xi1>)
// CHECK-NOT: causal
func.func @top_left_slice_of_unequal_lengths(%q: tensor<1x2x2x16xf32>, %k: tensor<1x2x5x16xf32>, %v: tensor<1x2x5x16xf32>) -> tensor<1x2x2x16xf32> {
  %buffer = onnx.Constant dense<[[[[true, false, false, false, false, false], [true, true, false, false, false, false], [true, true, true, false, false, false], [true, true, true, true, false, false], [true, true, true, true, true, false], [true, true, true, true, true, true]]]]> : tensor<1x1x6x6xi1>
  %starts = onnx.Constant dense<[0, 0]> : tensor<2xi64>
  %ends = onnx.Constant dense<[2, 5]> : tensor<2xi64>
  %axes = onnx.Constant dense<[2, 3]> : tensor<2xi64>
  %min = onnx.Constant dense<-3.40282347E+38> : tensor<f32>
  %mask = onnx.Slice %buffer, %starts, %ends axes(%axes) : (tensor<1x1x6x6xi1>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x1x2x5xi1>
  %kt = onnx.Transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x5x16xf32>) -> tensor<1x2x16x5xf32>
  %0 = onnx.MatMul %q, %kt : (tensor<1x2x2x16xf32>, tensor<1x2x16x5xf32>) -> tensor<1x2x2x5xf32>
  %1 = onnx.Where %mask, %0, %min : (tensor<1x1x2x5xi1>, tensor<1x2x2x5xf32>, tensor<f32>) -> tensor<1x2x2x5xf32>
  %2 = onnx.Softmax %1 : (tensor<1x2x2x5xf32>) -> tensor<1x2x2x5xf32>
  %3 = onnx.MatMul %2, %v : (tensor<1x2x2x5xf32>, tensor<1x2x5x16xf32>) -> tensor<1x2x2x16xf32>
  return %3 : tensor<1x2x2x16xf32>
}

// -----

// LLaMA (TorchScript export): triu(full((s, s), min), diagonal=1)[None, None] added to the
// scores, plus a padding mask: the causal part becomes the attribute, the padding stays.
// CHECK-LABEL: func.func @llama_triu_full_plus_padding
// CHECK-SAME: %[[PAD:[^:]*]]: tensor<2x1x1x5xf32>
// CHECK: tfm.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%[[PAD]] : tensor<2x1x1x5xf32>) {causal, scale = 2.500000e-01 : f32}
func.func @llama_triu_full_plus_padding(%q: tensor<2x4x5x16xf32>, %k: tensor<2x4x5x16xf32>, %v: tensor<2x4x5x16xf32>, %pad: tensor<2x1x1x5xf32>) -> tensor<2x4x5x16xf32> {
  %shape = onnx.Constant dense<[5, 5]> : tensor<2xi64>
  %one = onnx.Constant dense<1> : tensor<i64>
  %axes = onnx.Constant dense<[0, 1]> : tensor<2xi64>
  %scale = onnx.Constant dense<4.0> : tensor<f32>
  %full = onnx.ConstantOfShape %shape {value = dense<-3.40282347E+38> : tensor<1xf32>} : (tensor<2xi64>) -> tensor<5x5xf32>
  %triu = onnx.Trilu %full k(%one) {upper = 1 : i64} : (tensor<5x5xf32>, tensor<i64>) -> tensor<5x5xf32>
  %causal = onnx.Unsqueeze %triu, %axes : (tensor<5x5xf32>, tensor<2xi64>) -> tensor<1x1x5x5xf32>
  %mask = onnx.Add %causal, %pad : (tensor<1x1x5x5xf32>, tensor<2x1x1x5xf32>) -> tensor<2x1x5x5xf32>
  %kt = onnx.Transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<2x4x5x16xf32>) -> tensor<2x4x16x5xf32>
  %0 = onnx.MatMul %q, %kt : (tensor<2x4x5x16xf32>, tensor<2x4x16x5xf32>) -> tensor<2x4x5x5xf32>
  %1 = onnx.Div %0, %scale : (tensor<2x4x5x5xf32>, tensor<f32>) -> tensor<2x4x5x5xf32>
  %2 = onnx.Add %1, %mask : (tensor<2x4x5x5xf32>, tensor<2x1x5x5xf32>) -> tensor<2x4x5x5xf32>
  %3 = onnx.Softmax %2 : (tensor<2x4x5x5xf32>) -> tensor<2x4x5x5xf32>
  %4 = onnx.MatMul %3, %v : (tensor<2x4x5x5xf32>, tensor<2x4x5x16xf32>) -> tensor<2x4x5x16xf32>
  return %4 : tensor<2x4x5x16xf32>
}

// -----

// HF cache positions: arange(Skv)[None, :] <= arange(Sq)[:, None] as a bool mask.
// CHECK-LABEL: func.func @arange_comparison
// CHECK: tfm.attention %{{.*}}, %{{.*}}, %{{.*}} {causal, scale = 2.500000e-01 : f32}
func.func @arange_comparison(%q: tensor<1x4x5x16xf32>, %k: tensor<1x4x5x16xf32>, %v: tensor<1x4x5x16xf32>) -> tensor<1x4x5x16xf32> {
  %zero = onnx.Constant dense<0> : tensor<i64>
  %five = onnx.Constant dense<5> : tensor<i64>
  %one = onnx.Constant dense<1> : tensor<i64>
  %a0 = onnx.Constant dense<0> : tensor<1xi64>
  %a1 = onnx.Constant dense<1> : tensor<1xi64>
  %min = onnx.Constant dense<-1.0e+09> : tensor<f32>
  %scale = onnx.Constant dense<0.25> : tensor<f32>
  %r = onnx.Range %zero, %five, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<5xi64>
  %cols = onnx.Unsqueeze %r, %a0 : (tensor<5xi64>, tensor<1xi64>) -> tensor<1x5xi64>
  %rows = onnx.Unsqueeze %r, %a1 : (tensor<5xi64>, tensor<1xi64>) -> tensor<5x1xi64>
  %mask = onnx.LessOrEqual %cols, %rows : (tensor<1x5xi64>, tensor<5x1xi64>) -> tensor<5x5xi1>
  %kt = onnx.Transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x4x5x16xf32>) -> tensor<1x4x16x5xf32>
  %0 = onnx.MatMul %q, %kt : (tensor<1x4x5x16xf32>, tensor<1x4x16x5xf32>) -> tensor<1x4x5x5xf32>
  %1 = onnx.Mul %0, %scale : (tensor<1x4x5x5xf32>, tensor<f32>) -> tensor<1x4x5x5xf32>
  %2 = onnx.Where %mask, %1, %min : (tensor<5x5xi1>, tensor<1x4x5x5xf32>, tensor<f32>) -> tensor<1x4x5x5xf32>
  %3 = onnx.Softmax %2 : (tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32>
  %4 = onnx.MatMul %3, %v : (tensor<1x4x5x5xf32>, tensor<1x4x5x16xf32>) -> tensor<1x4x5x16xf32>
  return %4 : tensor<1x4x5x16xf32>
}

// -----

// negative_: the upper triangle kept (keys after the query) is not causal; it stays a mask.
// CHECK-LABEL: func.func @negative_anti_causal
// CHECK: tfm.attention %{{.*}}, %{{.*}}, %{{.*}} mask(
// CHECK-NOT: causal
func.func @negative_anti_causal(%q: tensor<1x4x5x16xf32>, %k: tensor<1x4x5x16xf32>, %v: tensor<1x4x5x16xf32>) -> tensor<1x4x5x16xf32> {
  %zero = onnx.Constant dense<0> : tensor<i64>
  %five = onnx.Constant dense<5> : tensor<i64>
  %one = onnx.Constant dense<1> : tensor<i64>
  %a0 = onnx.Constant dense<0> : tensor<1xi64>
  %a1 = onnx.Constant dense<1> : tensor<1xi64>
  %min = onnx.Constant dense<-1.0e+09> : tensor<f32>
  %r = onnx.Range %zero, %five, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<5xi64>
  %cols = onnx.Unsqueeze %r, %a0 : (tensor<5xi64>, tensor<1xi64>) -> tensor<1x5xi64>
  %rows = onnx.Unsqueeze %r, %a1 : (tensor<5xi64>, tensor<1xi64>) -> tensor<5x1xi64>
  %mask = onnx.GreaterOrEqual %cols, %rows : (tensor<1x5xi64>, tensor<5x1xi64>) -> tensor<5x5xi1>
  %kt = onnx.Transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x4x5x16xf32>) -> tensor<1x4x16x5xf32>
  %0 = onnx.MatMul %q, %kt : (tensor<1x4x5x16xf32>, tensor<1x4x16x5xf32>) -> tensor<1x4x5x5xf32>
  %2 = onnx.Where %mask, %0, %min : (tensor<5x5xi1>, tensor<1x4x5x5xf32>, tensor<f32>) -> tensor<1x4x5x5xf32>
  %3 = onnx.Softmax %2 : (tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32>
  %4 = onnx.MatMul %3, %v : (tensor<1x4x5x5xf32>, tensor<1x4x5x16xf32>) -> tensor<1x4x5x16xf32>
  return %4 : tensor<1x4x5x16xf32>
}

// -----

// repeat_interleave as Tile of an unsqueezed head axis folds like Expand.
// CHECK-LABEL: func.func @gqa_tile
// CHECK-SAME: (%[[Q:.*]]: tensor<1x4x5x16xf32>, %[[K:.*]]: tensor<1x2x5x16xf32>, %[[V:.*]]: tensor<1x2x5x16xf32>)
// CHECK: tfm.attention %[[Q]], %[[K]], %[[V]] {scale = 2.500000e-01 : f32} : tensor<1x4x5x16xf32>, tensor<1x2x5x16xf32>, tensor<1x2x5x16xf32>
func.func @gqa_tile(%q: tensor<1x4x5x16xf32>, %k: tensor<1x2x5x16xf32>, %v: tensor<1x2x5x16xf32>) -> tensor<1x4x5x16xf32> {
  %axis = onnx.Constant dense<[2]> : tensor<1xi64>
  %reps = onnx.Constant dense<[1, 1, 2, 1, 1]> : tensor<5xi64>
  %shape = onnx.Constant dense<[1, 4, 5, 16]> : tensor<4xi64>
  %scale = onnx.Constant dense<0.25> : tensor<f32>
  %0 = onnx.Unsqueeze %k, %axis : (tensor<1x2x5x16xf32>, tensor<1xi64>) -> tensor<1x2x1x5x16xf32>
  %1 = onnx.Tile %0, %reps : (tensor<1x2x1x5x16xf32>, tensor<5xi64>) -> tensor<1x2x2x5x16xf32>
  %kr = onnx.Reshape %1, %shape : (tensor<1x2x2x5x16xf32>, tensor<4xi64>) -> tensor<1x4x5x16xf32>
  %2 = onnx.Unsqueeze %v, %axis : (tensor<1x2x5x16xf32>, tensor<1xi64>) -> tensor<1x2x1x5x16xf32>
  %3 = onnx.Tile %2, %reps : (tensor<1x2x1x5x16xf32>, tensor<5xi64>) -> tensor<1x2x2x5x16xf32>
  %vr = onnx.Reshape %3, %shape : (tensor<1x2x2x5x16xf32>, tensor<4xi64>) -> tensor<1x4x5x16xf32>
  %kt = onnx.Transpose %kr {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x4x5x16xf32>) -> tensor<1x4x16x5xf32>
  %4 = onnx.MatMul %q, %kt : (tensor<1x4x5x16xf32>, tensor<1x4x16x5xf32>) -> tensor<1x4x5x5xf32>
  %5 = onnx.Mul %4, %scale : (tensor<1x4x5x5xf32>, tensor<f32>) -> tensor<1x4x5x5xf32>
  %6 = onnx.Softmax %5 : (tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32>
  %7 = onnx.MatMul %6, %vr : (tensor<1x4x5x5xf32>, tensor<1x4x5x16xf32>) -> tensor<1x4x5x16xf32>
  return %7 : tensor<1x4x5x16xf32>
}

// -----

// negative_: Tile of the head axis itself (k.repeat(1, 2, 1, 1)) gives head h the KV head
// h mod 2, not h / 2: not grouped-query attention, nothing folds.
// CHECK-LABEL: func.func @negative_tiled_heads
// CHECK: %[[KT:.*]] = onnx.Tile
// CHECK: %[[VT:.*]] = onnx.Tile
// CHECK: tfm.attention %{{.*}}, %[[KT]], %[[VT]] {scale = 2.500000e-01 : f32} : tensor<1x4x5x16xf32>, tensor<1x4x5x16xf32>, tensor<1x4x5x16xf32>
func.func @negative_tiled_heads(%q: tensor<1x4x5x16xf32>, %k: tensor<1x2x5x16xf32>, %v: tensor<1x2x5x16xf32>) -> tensor<1x4x5x16xf32> {
  %reps = onnx.Constant dense<[1, 2, 1, 1]> : tensor<4xi64>
  %scale = onnx.Constant dense<0.25> : tensor<f32>
  %kr = onnx.Tile %k, %reps : (tensor<1x2x5x16xf32>, tensor<4xi64>) -> tensor<1x4x5x16xf32>
  %vr = onnx.Tile %v, %reps : (tensor<1x2x5x16xf32>, tensor<4xi64>) -> tensor<1x4x5x16xf32>
  %kt = onnx.Transpose %kr {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x4x5x16xf32>) -> tensor<1x4x16x5xf32>
  %0 = onnx.MatMul %q, %kt : (tensor<1x4x5x16xf32>, tensor<1x4x16x5xf32>) -> tensor<1x4x5x5xf32>
  %1 = onnx.Mul %0, %scale : (tensor<1x4x5x5xf32>, tensor<f32>) -> tensor<1x4x5x5xf32>
  %2 = onnx.Softmax %1 : (tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32>
  %3 = onnx.MatMul %2, %vr : (tensor<1x4x5x5xf32>, tensor<1x4x5x16xf32>) -> tensor<1x4x5x16xf32>
  return %3 : tensor<1x4x5x16xf32>
}

// -----

// f16 attention with the softmax computed in f32 and torch's NaN guard after it.
// CHECK-LABEL: func.func @f16_casts_and_nan_guard
// CHECK: %[[O:.*]] = tfm.attention %{{.*}}, %{{.*}}, %{{.*}} {scale = 2.500000e-01 : f32} : tensor<1x4x5x16xf16>
// CHECK-NOT: onnx.Softmax
// CHECK-NOT: onnx.IsNaN
// CHECK: return %[[O]]
func.func @f16_casts_and_nan_guard(%q: tensor<1x4x5x16xf16>, %k: tensor<1x4x5x16xf16>, %v: tensor<1x4x5x16xf16>) -> tensor<1x4x5x16xf16> {
  %scale = onnx.Constant dense<0.25> : tensor<f16>
  %zero = onnx.Constant dense<0.0> : tensor<f32>
  %kt = onnx.Transpose %k {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x4x5x16xf16>) -> tensor<1x4x16x5xf16>
  %0 = onnx.MatMul %q, %kt : (tensor<1x4x5x16xf16>, tensor<1x4x16x5xf16>) -> tensor<1x4x5x5xf16>
  %1 = onnx.Mul %0, %scale : (tensor<1x4x5x5xf16>, tensor<f16>) -> tensor<1x4x5x5xf16>
  %2 = onnx.Cast %1 {to = 1 : i64} : (tensor<1x4x5x5xf16>) -> tensor<1x4x5x5xf32>
  %3 = onnx.Softmax %2 : (tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32>
  %4 = onnx.IsNaN %3 : (tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xi1>
  %5 = onnx.Where %4, %zero, %3 : (tensor<1x4x5x5xi1>, tensor<f32>, tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf32>
  %6 = onnx.Cast %5 {to = 10 : i64} : (tensor<1x4x5x5xf32>) -> tensor<1x4x5x5xf16>
  %7 = onnx.MatMul %6, %v : (tensor<1x4x5x5xf16>, tensor<1x4x5x16xf16>) -> tensor<1x4x5x16xf16>
  return %7 : tensor<1x4x5x16xf16>
}
