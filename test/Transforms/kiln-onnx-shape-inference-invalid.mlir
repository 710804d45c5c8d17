// RUN: kiln-opt %s -split-input-file -verify-diagnostics --kiln-onnx-shape-inference
// Operands shape inference proves invalid are reported at the op, and the pass fails.

func.func @incompatible_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Add' op operands are not broadcast-compatible: [2,3] and [4]}}
  %0 = onnx.Add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @incompatible_broadcast_to_bool(%a: tensor<?x3xi64>, %b: tensor<2x1x5xi64>) -> tensor<*xi1> {
  // expected-error @+1 {{'onnx.Equal' op operands are not broadcast-compatible: [?,3] and [2,1,5]}}
  %0 = onnx.Equal %a, %b : (tensor<?x3xi64>, tensor<2x1x5xi64>) -> tensor<*xi1>
  return %0 : tensor<*xi1>
}

// -----

func.func @incompatible_broadcast_where(%c: tensor<3xi1>, %x: tensor<4xf32>, %y: tensor<f32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Where' op operands are not broadcast-compatible: [3] and [4]}}
  %0 = onnx.Where %c, %x, %y : (tensor<3xi1>, tensor<4xf32>, tensor<f32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @where_element_type_mismatch(%c: tensor<3xi1>, %x: tensor<3xf32>, %y: tensor<3xf16>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Where' op X and Y have different element types: 'f32' and 'f16'}}
  %0 = onnx.Where %c, %x, %y : (tensor<3xi1>, tensor<3xf32>, tensor<3xf16>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @matmul_contraction_mismatch(%a: tensor<4x8xf32>, %b: tensor<16x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.MatMul' op contraction dims differ: [4,8] x [16,4]}}
  %0 = onnx.MatMul %a, %b : (tensor<4x8xf32>, tensor<16x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @matmul_batch_mismatch(%a: tensor<2x4x8xf32>, %b: tensor<3x8x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.MatMul' op batch dims are not broadcast-compatible: [2,4,8] x [3,8,4]}}
  %0 = onnx.MatMul %a, %b : (tensor<2x4x8xf32>, tensor<3x8x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @matmul_scalar_operand(%a: tensor<f32>, %b: tensor<3x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.MatMul' op operands must have rank >= 1, got [] and [3,4]}}
  %0 = onnx.MatMul %a, %b : (tensor<f32>, tensor<3x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @gemm_not_matrices(%a: tensor<2x4x8xf32>, %b: tensor<8x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Gemm' op operands must be matrices, got [2,4,8] and [8,4]}}
  %0 = onnx.Gemm %a, %b : (tensor<2x4x8xf32>, tensor<8x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// With transB the contraction dim of B is its last.
func.func @gemm_contraction_mismatch(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Gemm' op contraction dims differ: 8 vs 16}}
  %0 = onnx.Gemm %a, %b {transB = 1 : i64} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @gemm_bias_not_broadcastable(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<8xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Gemm' op C [8] does not broadcast to [4,16]}}
  %0 = onnx.Gemm %a, %b C(%c) : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @softmax_axis_out_of_range(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Softmax' op axis 3 is out of range for rank 3}}
  %0 = onnx.Softmax %x {axis = 3 : i64} : (tensor<2x3x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @gather_axis_out_of_range(%x: tensor<2x3xf32>, %i: tensor<i64>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Gather' op axis -3 is out of range for rank 2}}
  %0 = onnx.Gather %x, %i {axis = -3 : i64} : (tensor<2x3xf32>, tensor<i64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @gather_index_out_of_range(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %i = onnx.Constant dense<[0, 3]> : tensor<2xi64>
  // expected-error @+1 {{'onnx.Gather' op index 3 is out of range for axis of size 3}}
  %0 = onnx.Gather %x, %i {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @reduce_axis_out_of_range(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %axes = onnx.Constant dense<[0, 2]> : tensor<2xi64>
  // expected-error @+1 {{'onnx.ReduceMean' op axis 2 is out of range for rank 2}}
  %0 = onnx.ReduceMean %x axes(%axes) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @layer_normalization_axis_out_of_range(%x: tensor<2x3xf32>, %s: tensor<3xf32>) {
  // expected-error @+1 {{'onnx.LayerNormalization' op axis -3 is out of range for rank 2}}
  %0:3 = onnx.LayerNormalization %x, %s {axis = -3 : i64} : (tensor<2x3xf32>, tensor<3xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

func.func @squeeze_axis_out_of_range(%x: tensor<1x3xf32>) -> tensor<*xf32> {
  %axes = onnx.Constant dense<2> : tensor<1xi64>
  // expected-error @+1 {{'onnx.Squeeze' op axis 2 is out of range for rank 2}}
  %0 = onnx.Squeeze %x axes(%axes) : (tensor<1x3xf32>, tensor<1xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @squeeze_non_unit_dim(%x: tensor<1x3xf32>) -> tensor<*xf32> {
  %axes = onnx.Constant dense<1> : tensor<1xi64>
  // expected-error @+1 {{'onnx.Squeeze' op cannot squeeze axis 1 of size 3}}
  %0 = onnx.Squeeze %x axes(%axes) : (tensor<1x3xf32>, tensor<1xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// The output has rank 2 + 1 = 3; axis 3 is out of range for it.
func.func @unsqueeze_axis_out_of_range(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %axes = onnx.Constant dense<3> : tensor<1xi64>
  // expected-error @+1 {{'onnx.Unsqueeze' op axis 3 is out of range for rank 3}}
  %0 = onnx.Unsqueeze %x, %axes : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @unsqueeze_repeated_axis(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %axes = onnx.Constant dense<[0, -4]> : tensor<2xi64>
  // expected-error @+1 {{'onnx.Unsqueeze' op axis -4 is repeated}}
  %0 = onnx.Unsqueeze %x, %axes : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @split_axis_out_of_range(%x: tensor<2x6xf32>) {
  // expected-error @+1 {{'onnx.Split' op axis 2 is out of range for rank 2}}
  %0:2 = onnx.Split %x {axis = 2 : i64} : (tensor<2x6xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

func.func @split_sizes_do_not_sum(%x: tensor<2x6xf32>) {
  %split = onnx.Constant dense<[2, 3]> : tensor<2xi64>
  // expected-error @+1 {{'onnx.Split' op split sums to 5, the axis has size 6}}
  %0:2 = onnx.Split %x split(%split) {axis = 1 : i64} : (tensor<2x6xf32>, tensor<2xi64>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

func.func @split_sizes_count(%x: tensor<2x6xf32>) {
  %split = onnx.Constant dense<[2, 2, 2]> : tensor<3xi64>
  // expected-error @+1 {{'onnx.Split' op split has 3 entries for 2 outputs}}
  %0:2 = onnx.Split %x split(%split) {axis = 1 : i64} : (tensor<2x6xf32>, tensor<3xi64>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

func.func @split_no_results(%x: tensor<2x6xf32>) {
  // expected-error @+1 {{'onnx.Split' op has no outputs}}
  onnx.Split %x : (tensor<2x6xf32>) -> ()
  return
}

// -----

func.func @reshape_element_count_mismatch(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  %s = onnx.Constant dense<[5, 5]> : tensor<2xi64>
  // expected-error @+1 {{'onnx.Reshape' op cannot reshape [2,3,4] (24 elements) to [5,5] (25 elements)}}
  %0 = onnx.Reshape %x, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @reshape_inferred_dim_not_divisible(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  %s = onnx.Constant dense<[5, -1]> : tensor<2xi64>
  // expected-error @+1 {{'onnx.Reshape' op cannot reshape [2,3,4] to [5,-1]}}
  %0 = onnx.Reshape %x, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @reshape_two_inferred_dims(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  %s = onnx.Constant dense<[-1, 2, -1]> : tensor<3xi64>
  // expected-error @+1 {{'onnx.Reshape' op shape has more than one -1 entry}}
  %0 = onnx.Reshape %x, %s : (tensor<2x3x4xf32>, tensor<3xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @reshape_negative_entry(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  %s = onnx.Constant dense<[-2, 12]> : tensor<2xi64>
  // expected-error @+1 {{'onnx.Reshape' op shape entry 0 is -2}}
  %0 = onnx.Reshape %x, %s : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @reshape_copy_beyond_rank(%x: tensor<6x4xf32>) -> tensor<*xf32> {
  %s = onnx.Constant dense<[2, 3, 0]> : tensor<3xi64>
  // expected-error @+1 {{'onnx.Reshape' op shape entry 2 is 0 (copy) beyond the input's rank}}
  %0 = onnx.Reshape %x, %s : (tensor<6x4xf32>, tensor<3xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @reshape_allowzero_with_inferred_dim(%x: tensor<0x4xf32>) -> tensor<*xf32> {
  %s = onnx.Constant dense<[0, -1]> : tensor<2xi64>
  // expected-error @+1 {{'onnx.Reshape' op shape with allowzero = 1 cannot contain both 0 and -1}}
  %0 = onnx.Reshape %x, %s {allowzero = 1 : i64} : (tensor<0x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @transpose_perm_wrong_length(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Transpose' op perm has 2 entries for rank 3}}
  %0 = onnx.Transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @transpose_perm_repeated(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Transpose' op perm is not a permutation of [0, 3)}}
  %0 = onnx.Transpose %x {perm = array<i64: 0, 2, 2>} : (tensor<2x3x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @transpose_perm_out_of_range(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Transpose' op perm is not a permutation of [0, 3)}}
  %0 = onnx.Transpose %x {perm = array<i64: 0, 1, 3>} : (tensor<2x3x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @concat_rank_mismatch(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Concat' op operands have different ranks: [2,3] and [3]}}
  %0 = onnx.Concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @concat_dims_differ_off_axis(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Concat' op operand dims differ off the concat axis: [2,3] and [3,4]}}
  %0 = onnx.Concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @concat_axis_out_of_range(%a: tensor<2x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Concat' op axis 2 is out of range for rank 2}}
  %0 = onnx.Concat %a, %a {axis = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @slice_lengths_differ(%x: tensor<4x4xf32>) -> tensor<*xf32> {
  %s = onnx.Constant dense<[0, 0]> : tensor<2xi64>
  %e = onnx.Constant dense<2> : tensor<1xi64>
  // expected-error @+1 {{'onnx.Slice' op starts, ends, axes and steps must have the same length}}
  %0 = onnx.Slice %x, %s, %e : (tensor<4x4xf32>, tensor<2xi64>, tensor<1xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @slice_zero_step(%x: tensor<4x4xf32>) -> tensor<*xf32> {
  %s = onnx.Constant dense<0> : tensor<1xi64>
  %e = onnx.Constant dense<2> : tensor<1xi64>
  // expected-error @+1 {{'onnx.Slice' op steps must be non-zero}}
  %0 = onnx.Slice %x, %s, %e axes(%s) steps(%s) : (tensor<4x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @slice_axis_twice(%x: tensor<4x4xf32>) -> tensor<*xf32> {
  %s = onnx.Constant dense<[0, 1]> : tensor<2xi64>
  %e = onnx.Constant dense<[2, 3]> : tensor<2xi64>
  %a = onnx.Constant dense<[1, -1]> : tensor<2xi64>
  // expected-error @+1 {{'onnx.Slice' op axis 1 is sliced twice}}
  %0 = onnx.Slice %x, %s, %e axes(%a) : (tensor<4x4xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @slice_axis_out_of_range(%x: tensor<4x4xf32>) -> tensor<*xf32> {
  %s = onnx.Constant dense<0> : tensor<1xi64>
  %a = onnx.Constant dense<2> : tensor<1xi64>
  // expected-error @+1 {{'onnx.Slice' op axis 2 is out of range for rank 2}}
  %0 = onnx.Slice %x, %s, %a axes(%a) : (tensor<4x4xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @expand_incompatible(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %s = onnx.Constant dense<[4, 3]> : tensor<2xi64>
  // expected-error @+1 {{'onnx.Expand' op cannot expand [2,3] to [4,3]}}
  %0 = onnx.Expand %x, %s : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @expand_negative_dim(%x: tensor<1xf32>) -> tensor<*xf32> {
  %s = onnx.Constant dense<-2> : tensor<1xi64>
  // expected-error @+1 {{'onnx.Expand' op result #0 would have a negative dim -2}}
  %0 = onnx.Expand %x, %s : (tensor<1xf32>, tensor<1xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @tile_repeats_count(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %r = onnx.Constant dense<[2, 2, 2]> : tensor<3xi64>
  // expected-error @+1 {{'onnx.Tile' op repeats has 3 entries for rank 2}}
  %0 = onnx.Tile %x, %r : (tensor<2x3xf32>, tensor<3xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @tile_negative_repeats(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %r = onnx.Constant dense<[2, -1]> : tensor<2xi64>
  // expected-error @+1 {{'onnx.Tile' op repeats must be >= 0}}
  %0 = onnx.Tile %x, %r : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @pad_count(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %p = onnx.Constant dense<[1, 1]> : tensor<2xi64>
  // expected-error @+1 {{'onnx.Pad' op pads has 2 entries for 2 axes}}
  %0 = onnx.Pad %x, %p : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @pad_negative_size(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %p = onnx.Constant dense<[0, -2, 0, -2]> : tensor<4xi64>
  // expected-error @+1 {{'onnx.Pad' op padding makes axis 1 negative}}
  %0 = onnx.Pad %x, %p : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @constant_of_shape_negative_dim() -> tensor<*xf32> {
  %s = onnx.Constant dense<[2, -3]> : tensor<2xi64>
  // expected-error @+1 {{'onnx.ConstantOfShape' op shape has a negative dim -3}}
  %0 = onnx.ConstantOfShape %s : (tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @constant_of_shape_value_not_one_element() -> tensor<*xf32> {
  %s = onnx.Constant dense<[2, 3]> : tensor<2xi64>
  // expected-error @+1 {{'onnx.ConstantOfShape' op value must hold exactly one element}}
  %0 = onnx.ConstantOfShape %s {value = dense<[1.0, 2.0]> : tensor<2xf32>} : (tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @constant_of_shape_overflowing_count() -> tensor<*xf32> {
  %s = onnx.Constant dense<[4294967296, 4294967296]> : tensor<2xi64>
  // expected-error @+1 {{'onnx.ConstantOfShape' op result #0 would have an element count that overflows 64 bits}}
  %0 = onnx.ConstantOfShape %s : (tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @range_zero_delta() -> tensor<*xi64> {
  %a = onnx.Constant dense<0> : tensor<i64>
  %b = onnx.Constant dense<10> : tensor<i64>
  // expected-error @+1 {{'onnx.Range' op delta must be non-zero}}
  %0 = onnx.Range %a, %b, %a : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<*xi64>
  return %0 : tensor<*xi64>
}

// -----

// 8 is STRING, which Kiln has no element type for.
func.func @cast_unsupported_type(%x: tensor<2xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Cast' op unsupported target element type}}
  %0 = onnx.Cast %x {to = 8 : i64} : (tensor<2xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_channel_mismatch(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Conv' op X has 3 channels, W expects 2 x 1 groups}}
  %0 = onnx.Conv %x, %w : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_kernel_larger_than_input(%x: tensor<1x3x2x2xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Conv' op kernel 3 exceeds padded input 2}}
  %0 = onnx.Conv %x, %w : (tensor<1x3x2x2xf32>, tensor<4x3x3x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @conv_rank_mismatch(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Conv' op X [1,3,8,8] and W [4,3,3] must have the same rank >= 3}}
  %0 = onnx.Conv %x, %w : (tensor<1x3x8x8xf32>, tensor<4x3x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @einsum_term_count(%a: tensor<2x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Einsum' op equation has 2 operand terms for 1 operands}}
  %0 = onnx.Einsum %a {equation = "ij,jk->ik"} : (tensor<2x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @einsum_label_size_conflict(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Einsum' op label 'j' has sizes 3 and 4}}
  %0 = onnx.Einsum %a, %b {equation = "ij,jk->ik"} : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @einsum_term_rank(%a: tensor<2x3x4xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Einsum' op term 'ij' does not match operand rank 3}}
  %0 = onnx.Einsum %a {equation = "ij->ji"} : (tensor<2x3x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @einsum_unknown_output_label(%a: tensor<2x3xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{'onnx.Einsum' op output label 'k' does not appear in an operand}}
  %0 = onnx.Einsum %a {equation = "ij->ik"} : (tensor<2x3xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// The declared type (from the model's value_info) and the inferred one disagree.
func.func @declared_type_conflict(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{'onnx.MatMul' op result #0 is declared as 'tensor<2x5xf32>' but inferred as 'tensor<2x4xf32>'}}
  %0 = onnx.MatMul %a, %b : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @declared_rank_conflict(%a: tensor<2x3xf32>) -> tensor<6xf32> {
  // expected-error @+1 {{'onnx.Relu' op result #0 is declared as 'tensor<6xf32>' but inferred as 'tensor<2x3xf32>'}}
  %0 = onnx.Relu %a : (tensor<2x3xf32>) -> tensor<6xf32>
  return %0 : tensor<6xf32>
}
