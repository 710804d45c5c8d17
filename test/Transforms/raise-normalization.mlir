// RUN: kiln-opt %s --kiln-raise-normalization --split-input-file | FileCheck %s

// The decomposed LayerNorm of older exports: ReduceMean, Sub, Pow 2, ReduceMean, Add eps,
// Sqrt, Div, Mul scale, Add bias.
// CHECK-LABEL: func.func @layer_norm_decomposed
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x32xf32>, %[[G:.*]]: tensor<32xf32>, %[[B:.*]]: tensor<32xf32>)
// CHECK: %[[N:.*]] = tfm.layer_norm %[[X]], %[[G]] bias(%[[B]] : tensor<32xf32>) {epsilon = 9.99999996E-13 : f32}
// CHECK-NOT: onnx.ReduceMean
// CHECK: return %[[N]]
func.func @layer_norm_decomposed(%x: tensor<?x?x32xf32>, %g: tensor<32xf32>, %b: tensor<32xf32>) -> tensor<?x?x32xf32> {
  %axes = onnx.Constant dense<[-1]> : tensor<1xi64>
  %two = onnx.Constant dense<2.000000e+00> : tensor<f32>
  %eps = onnx.Constant dense<9.99999996E-13> : tensor<f32>
  %0 = onnx.ReduceMean %x axes(%axes) : (tensor<?x?x32xf32>, tensor<1xi64>) -> tensor<?x?x1xf32>
  %1 = onnx.Sub %x, %0 : (tensor<?x?x32xf32>, tensor<?x?x1xf32>) -> tensor<?x?x32xf32>
  %2 = onnx.Pow %1, %two : (tensor<?x?x32xf32>, tensor<f32>) -> tensor<?x?x32xf32>
  %3 = onnx.ReduceMean %2 axes(%axes) : (tensor<?x?x32xf32>, tensor<1xi64>) -> tensor<?x?x1xf32>
  %4 = onnx.Add %3, %eps : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
  %5 = onnx.Sqrt %4 : (tensor<?x?x1xf32>) -> tensor<?x?x1xf32>
  %6 = onnx.Div %1, %5 : (tensor<?x?x32xf32>, tensor<?x?x1xf32>) -> tensor<?x?x32xf32>
  %7 = onnx.Mul %6, %g : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
  %8 = onnx.Add %7, %b : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
  return %8 : tensor<?x?x32xf32>
}

// -----

// LLaMA's RMSNorm as torch exports it: Pow 2, ReduceMean, Add eps, Sqrt, Div(1, .), Mul x,
// Mul weight.
// CHECK-LABEL: func.func @rms_norm_llama
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>, %[[W:.*]]: tensor<64xf32>)
// CHECK: %[[N:.*]] = tfm.rms_norm %[[X]], %[[W]] {epsilon = 9.99999997E-7 : f32}
// CHECK-NOT: onnx.ReduceMean
// CHECK: return %[[N]]
func.func @rms_norm_llama(%x: tensor<?x?x64xf32>, %w: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %axes = onnx.Constant dense<[-1]> : tensor<1xi64>
  %two = onnx.Constant dense<2.000000e+00> : tensor<f32>
  %eps = onnx.Constant dense<9.99999997E-7> : tensor<f32>
  %one = onnx.Constant dense<1.000000e+00> : tensor<f32>
  %0 = onnx.Pow %x, %two : (tensor<?x?x64xf32>, tensor<f32>) -> tensor<?x?x64xf32>
  %1 = onnx.ReduceMean %0 axes(%axes) : (tensor<?x?x64xf32>, tensor<1xi64>) -> tensor<?x?x1xf32>
  %2 = onnx.Add %1, %eps : (tensor<?x?x1xf32>, tensor<f32>) -> tensor<?x?x1xf32>
  %3 = onnx.Sqrt %2 : (tensor<?x?x1xf32>) -> tensor<?x?x1xf32>
  %4 = onnx.Div %one, %3 : (tensor<f32>, tensor<?x?x1xf32>) -> tensor<?x?x1xf32>
  %5 = onnx.Mul %x, %4 : (tensor<?x?x64xf32>, tensor<?x?x1xf32>) -> tensor<?x?x64xf32>
  %6 = onnx.Mul %5, %w : (tensor<?x?x64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
  return %6 : tensor<?x?x64xf32>
}

// -----

// RMS with x * x and Reciprocal, weight first.
// CHECK-LABEL: func.func @rms_norm_reciprocal
// CHECK: tfm.rms_norm
// CHECK-NOT: onnx.Reciprocal
func.func @rms_norm_reciprocal(%x: tensor<2x8xf32>, %w: tensor<8xf32>) -> tensor<2x8xf32> {
  %axes = onnx.Constant dense<[1]> : tensor<1xi64>
  %eps = onnx.Constant dense<1.0E-5> : tensor<f32>
  %0 = onnx.Mul %x, %x : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %1 = onnx.ReduceMean %0 axes(%axes) : (tensor<2x8xf32>, tensor<1xi64>) -> tensor<2x1xf32>
  %2 = onnx.Add %eps, %1 : (tensor<f32>, tensor<2x1xf32>) -> tensor<2x1xf32>
  %3 = onnx.Sqrt %2 : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %4 = onnx.Reciprocal %3 : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %5 = onnx.Mul %4, %x : (tensor<2x1xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %6 = onnx.Mul %w, %5 : (tensor<8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  return %6 : tensor<2x8xf32>
}

// -----

// The ops (statistics outputs unused).
// CHECK-LABEL: func.func @ops
// CHECK: tfm.layer_norm %{{.*}}, %{{.*}} bias(%{{.*}} : tensor<8xf32>) : tensor<2x8xf32>, tensor<8xf32>
// CHECK: tfm.rms_norm %{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<8xf32>
// CHECK-NOT: onnx.LayerNormalization
func.func @ops(%x: tensor<2x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %y, %mean, %inv = onnx.LayerNormalization %x, %g B(%b) : (tensor<2x8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<2x8xf32>, tensor<2x1xf32>, tensor<2x1xf32>)
  %r = onnx.RMSNormalization %x, %g : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %y, %r : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// negative_: a mean over a leading axis is not a normalisation; the reason is recorded.
// CHECK-LABEL: func.func @negative_leading_axis
// CHECK-NOT: tfm.
// CHECK: onnx.ReduceMean %{{.*}} axes(%{{.*}}) {kiln.fusion_miss = "not a keepdims mean over the trailing dims"}
func.func @negative_leading_axis(%x: tensor<2x8xf32>, %w: tensor<8xf32>) -> tensor<2x8xf32> {
  %axes = onnx.Constant dense<[0]> : tensor<1xi64>
  %eps = onnx.Constant dense<1.0E-5> : tensor<f32>
  %0 = onnx.Mul %x, %x : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %1 = onnx.ReduceMean %0 axes(%axes) : (tensor<2x8xf32>, tensor<1xi64>) -> tensor<1x8xf32>
  %2 = onnx.Add %1, %eps : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %3 = onnx.Sqrt %2 : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %4 = onnx.Div %x, %3 : (tensor<2x8xf32>, tensor<1x8xf32>) -> tensor<2x8xf32>
  %5 = onnx.Mul %4, %w : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %5 : tensor<2x8xf32>
}

// -----

// negative_: the centred value is also used elsewhere, so the subgraph is not only a norm.
// CHECK-LABEL: func.func @negative_centred_escapes
// CHECK-NOT: tfm.layer_norm
// CHECK: kiln.fusion_miss = "x - mean has other uses"
func.func @negative_centred_escapes(%x: tensor<2x8xf32>, %g: tensor<8xf32>) -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %axes = onnx.Constant dense<[-1]> : tensor<1xi64>
  %two = onnx.Constant dense<2.000000e+00> : tensor<f32>
  %eps = onnx.Constant dense<1.0E-5> : tensor<f32>
  %0 = onnx.ReduceMean %x axes(%axes) : (tensor<2x8xf32>, tensor<1xi64>) -> tensor<2x1xf32>
  %1 = onnx.Sub %x, %0 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %2 = onnx.Pow %1, %two : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %3 = onnx.ReduceMean %2 axes(%axes) : (tensor<2x8xf32>, tensor<1xi64>) -> tensor<2x1xf32>
  %4 = onnx.Add %3, %eps : (tensor<2x1xf32>, tensor<f32>) -> tensor<2x1xf32>
  %5 = onnx.Sqrt %4 : (tensor<2x1xf32>) -> tensor<2x1xf32>
  %6 = onnx.Div %1, %5 : (tensor<2x8xf32>, tensor<2x1xf32>) -> tensor<2x8xf32>
  %7 = onnx.Mul %6, %g : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>
  return %7, %1 : tensor<2x8xf32>, tensor<2x8xf32>
}
