// RUN: kiln-opt %s --kiln-raise-gelu --split-input-file | FileCheck %s

// torch.onnx.export of nn.GELU() (BERT): x * (1 + erf(x / sqrt(2))) * 0.5.
// CHECK-LABEL: func.func @erf_torchscript
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>)
// CHECK: %[[G:.*]] = tfm.gelu %[[X]] : tensor<?x?x64xf32>
// CHECK-NOT: onnx.Erf
// CHECK: return %[[G]]
func.func @erf_torchscript(%x: tensor<?x?x64xf32>) -> tensor<?x?x64xf32> {
  %half = onnx.Constant dense<5.000000e-01> : tensor<f32>
  %sqrt2 = onnx.Constant dense<1.41421354> : tensor<f32>
  %one = onnx.Constant dense<1.000000e+00> : tensor<f32>
  %0 = onnx.Div %x, %sqrt2 : (tensor<?x?x64xf32>, tensor<f32>) -> tensor<?x?x64xf32>
  %1 = onnx.Erf %0 : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %2 = onnx.Add %1, %one : (tensor<?x?x64xf32>, tensor<f32>) -> tensor<?x?x64xf32>
  %3 = onnx.Mul %x, %2 : (tensor<?x?x64xf32>, tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
  %4 = onnx.Mul %3, %half : (tensor<?x?x64xf32>, tensor<f32>) -> tensor<?x?x64xf32>
  return %4 : tensor<?x?x64xf32>
}

// -----

// The dynamo exporter's order: (0.5 * x) * (1 + erf(x * 0.70710678)), constants first.
// CHECK-LABEL: func.func @erf_dynamo
// CHECK: tfm.gelu %{{.*}} : tensor<4x64xf32>
// CHECK-NOT: onnx.Erf
func.func @erf_dynamo(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %half = onnx.Constant dense<5.000000e-01> : tensor<f32>
  %rsqrt2 = onnx.Constant dense<0.707106769> : tensor<f32>
  %one = onnx.Constant dense<1.000000e+00> : tensor<f32>
  %0 = onnx.Mul %half, %x : (tensor<f32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  %1 = onnx.Mul %x, %rsqrt2 : (tensor<4x64xf32>, tensor<f32>) -> tensor<4x64xf32>
  %2 = onnx.Erf %1 : (tensor<4x64xf32>) -> tensor<4x64xf32>
  %3 = onnx.Add %one, %2 : (tensor<f32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  %4 = onnx.Mul %0, %3 : (tensor<4x64xf32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  return %4 : tensor<4x64xf32>
}

// -----

// GPT-2's NewGELUActivation: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))).
// CHECK-LABEL: func.func @tanh_gpt2
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x128xf32>)
// CHECK: tfm.gelu %[[X]] approximation = tanh : tensor<?x?x128xf32>
// CHECK-NOT: onnx.Tanh
func.func @tanh_gpt2(%x: tensor<?x?x128xf32>) -> tensor<?x?x128xf32> {
  %half = onnx.Constant dense<5.000000e-01> : tensor<f32>
  %three = onnx.Constant dense<3.000000e+00> : tensor<f32>
  %c = onnx.Constant dense<4.471500e-02> : tensor<f32>
  %k = onnx.Constant dense<0.797884583> : tensor<f32>
  %one = onnx.Constant dense<1.000000e+00> : tensor<f32>
  %0 = onnx.Mul %x, %half : (tensor<?x?x128xf32>, tensor<f32>) -> tensor<?x?x128xf32>
  %1 = onnx.Pow %x, %three : (tensor<?x?x128xf32>, tensor<f32>) -> tensor<?x?x128xf32>
  %2 = onnx.Mul %1, %c : (tensor<?x?x128xf32>, tensor<f32>) -> tensor<?x?x128xf32>
  %3 = onnx.Add %x, %2 : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
  %4 = onnx.Mul %3, %k : (tensor<?x?x128xf32>, tensor<f32>) -> tensor<?x?x128xf32>
  %5 = onnx.Tanh %4 : (tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
  %6 = onnx.Add %5, %one : (tensor<?x?x128xf32>, tensor<f32>) -> tensor<?x?x128xf32>
  %7 = onnx.Mul %0, %6 : (tensor<?x?x128xf32>, tensor<?x?x128xf32>) -> tensor<?x?x128xf32>
  return %7 : tensor<?x?x128xf32>
}

// -----

// The ops: onnx.Gelu (opset 20) and com.microsoft FastGelu with a bias.
// CHECK-LABEL: func.func @ops
// CHECK: tfm.gelu %{{.*}} approximation = tanh
// CHECK: %[[B:.*]] = onnx.Add
// CHECK: tfm.gelu %[[B]] approximation = tanh
func.func @ops(%x: tensor<4x8xf32>, %b: tensor<8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %0 = onnx.Gelu %x {approximate = "tanh"} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = onnx.com.microsoft.FastGelu %x bias(%b) : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xf32>
  return %0, %1 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// negative_: erf(x / 2) is not GELU; the Erf stays, with the reason for the fusion report.
// CHECK-LABEL: func.func @negative_wrong_constant
// CHECK-NOT: tfm.gelu
// CHECK: onnx.Erf %{{.*}} {kiln.fusion_miss = "the argument is not x / sqrt(2)"}
func.func @negative_wrong_constant(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %half = onnx.Constant dense<5.000000e-01> : tensor<f32>
  %two = onnx.Constant dense<2.000000e+00> : tensor<f32>
  %one = onnx.Constant dense<1.000000e+00> : tensor<f32>
  %0 = onnx.Div %x, %two : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %1 = onnx.Erf %0 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %2 = onnx.Add %1, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = onnx.Mul %x, %2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = onnx.Mul %3, %half : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %4 : tensor<4x8xf32>
}

// -----

// negative_: the product multiplies by another tensor, not x.
// CHECK-LABEL: func.func @negative_other_factor
// CHECK-NOT: tfm.gelu
// CHECK: onnx.Erf %{{.*}} {kiln.fusion_miss = "(1 + erf(...)) is not multiplied by 0.5 * x"}
func.func @negative_other_factor(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %half = onnx.Constant dense<5.000000e-01> : tensor<f32>
  %sqrt2 = onnx.Constant dense<1.41421354> : tensor<f32>
  %one = onnx.Constant dense<1.000000e+00> : tensor<f32>
  %0 = onnx.Div %x, %sqrt2 : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %1 = onnx.Erf %0 : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %2 = onnx.Add %1, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = onnx.Mul %y, %2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = onnx.Mul %3, %half : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %4 : tensor<4x8xf32>
}
