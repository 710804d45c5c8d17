// RUN: kiln-opt %s -split-input-file -verify-diagnostics --kiln-onnx-shape-inference
// Invalid attributes and operand combinations: wrong-length Conv attributes, kernel_shape
// disagreeing with W, Split's num_outputs against its results.

// The Concat mismatch message shows the concatenation so far ([4,3]), not a half-updated shape.
func.func @concat_dims_differ_off_axis_after_axis(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Concat' op operand dims differ off the concat axis: [4,3] and [2,4]}}
  %0 = onnx.Concat %a, %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// A 2-D Conv needs 4 pads; with 2 they are ignored and the result is 6x6 as if unpadded.
func.func @conv_pads_wrong_length(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{pads}}
  %0 = onnx.Conv %x, %w {pads = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// One stride for two spatial dims is ignored (stride 1 is used).
func.func @conv_strides_wrong_length(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{strides}}
  %0 = onnx.Conv %x, %w {strides = array<i64: 2>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// kernel_shape disagrees with W's 3x3; inference believes the attribute and says 4x4.
func.func @conv_kernel_shape_disagrees_with_weight(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{kernel_shape}}
  %0 = onnx.Conv %x, %w {kernel_shape = array<i64: 5, 5>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// num_outputs says 2, the op has 3 results; inference splits in 3.
func.func @split_num_outputs_disagrees_with_results(%x: tensor<2x12xf32>) {
  // expected-error @+1 {{num_outputs}}
  %0:3 = onnx.Split %x {axis = 1 : i64, num_outputs = 2 : i64} : (tensor<2x12xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return
}
