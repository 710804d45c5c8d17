// RUN: kiln-opt %s -split-input-file -verify-diagnostics
// The ODS constraints of onnx ops: operand and result type constraints, operands that must
// share an element type, required attributes and the number of results.

func.func @add_element_type_mismatch(%a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+1 {{'onnx.Add' op requires the same element type for all operands}}
  %0 = onnx.Add %a, %b : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return
}

// -----

func.func @matmul_element_type_mismatch(%a: tensor<4x8xf32>, %b: tensor<8x4xi64>) {
  // expected-error @+1 {{'onnx.MatMul' op requires the same element type for all operands}}
  %0 = onnx.MatMul %a, %b : (tensor<4x8xf32>, tensor<8x4xi64>) -> tensor<4x4xf32>
  return
}

// -----

func.func @sqrt_on_i64(%a: tensor<4xi64>) {
  // expected-error @+1 {{'onnx.Sqrt' op operand #0 must be tensor of 16-bit float or 32-bit float or 64-bit float or bfloat16 type values, but got 'tensor<4xi64>'}}
  %0 = onnx.Sqrt %a : (tensor<4xi64>) -> tensor<4xi64>
  return
}

// -----

func.func @add_on_bool(%a: tensor<4xi1>) {
  // expected-error @+1 {{'onnx.Add' op operand #0 must be tensor of}}
  %0 = onnx.Add %a, %a : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  return
}

// -----

func.func @equal_result_not_bool(%a: tensor<4xf32>) {
  // expected-error @+1 {{'onnx.Equal' op result #0 must be tensor of 1-bit signless integer values, but got 'tensor<4xf32>'}}
  %0 = onnx.Equal %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @where_condition_not_bool(%c: tensor<4xf32>, %x: tensor<4xf32>) {
  // expected-error @+1 {{'onnx.Where' op operand #0 must be tensor of 1-bit signless integer values, but got 'tensor<4xf32>'}}
  %0 = onnx.Where %c, %x, %x : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @shape_result_not_i64(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{'onnx.Shape' op result #0 must be tensor of 64-bit signless integer values, but got 'tensor<2xi32>'}}
  %0 = onnx.Shape %x : (tensor<?x4xf32>) -> tensor<2xi32>
  return
}

// -----

func.func @reshape_shape_not_i64(%x: tensor<8xf32>, %s: tensor<2xi32>) {
  // expected-error @+1 {{'onnx.Reshape' op operand #1 must be tensor of 64-bit signless integer values, but got 'tensor<2xi32>'}}
  %0 = onnx.Reshape %x, %s : (tensor<8xf32>, tensor<2xi32>) -> tensor<2x4xf32>
  return
}

// -----

// ONNX's uint types are unsigned, not signless, integers.
func.func @gather_signed_indices_only(%x: tensor<8xf32>, %i: tensor<2xui64>) {
  // expected-error @+1 {{'onnx.Gather' op operand #1 must be tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<2xui64>'}}
  %0 = onnx.Gather %x, %i : (tensor<8xf32>, tensor<2xui64>) -> tensor<2xf32>
  return
}

// -----

func.func @layer_normalization_on_integers(%x: tensor<2x4xi32>, %s: tensor<4xi32>) {
  // expected-error @+1 {{'onnx.LayerNormalization' op operand #0 must be tensor of 16-bit float or 32-bit float or 64-bit float or bfloat16 type values, but got 'tensor<2x4xi32>'}}
  %0:3 = onnx.LayerNormalization %x, %s : (tensor<2x4xi32>, tensor<4xi32>) -> (tensor<2x4xi32>, tensor<2x1xf32>, tensor<2x1xf32>)
  return
}

// -----

func.func @skip_layer_normalization_f64(%x: tensor<2x4xf64>, %g: tensor<4xf64>) {
  // expected-error @+1 {{'onnx.com.microsoft.SkipLayerNormalization' op operand #0 must be tensor of 32-bit float or 16-bit float or bfloat16 type values, but got 'tensor<2x4xf64>'}}
  %0:4 = onnx.com.microsoft.SkipLayerNormalization %x, %x, %g : (tensor<2x4xf64>, tensor<2x4xf64>, tensor<4xf64>) -> (tensor<2x4xf64>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x4xf64>)
  return
}

// -----

func.func @cast_missing_to(%x: tensor<4xi64>) {
  // expected-error @+1 {{'onnx.Cast' op requires attribute 'to'}}
  %0 = onnx.Cast %x : (tensor<4xi64>) -> tensor<4xf32>
  return
}

// -----

func.func @concat_missing_axis(%x: tensor<4xi64>) {
  // expected-error @+1 {{'onnx.Concat' op requires attribute 'axis'}}
  %0 = onnx.Concat %x, %x : (tensor<4xi64>, tensor<4xi64>) -> tensor<8xi64>
  return
}

// -----

func.func @einsum_missing_equation(%x: tensor<4x4xf32>) {
  // expected-error @+1 {{'onnx.Einsum' op requires attribute 'equation'}}
  %0 = onnx.Einsum %x : (tensor<4x4xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @ms_attention_missing_num_heads(%x: tensor<1x4x32xf32>, %w: tensor<32x96xf32>) {
  // expected-error @+1 {{'onnx.com.microsoft.Attention' op requires attribute 'num_heads'}}
  %0:2 = onnx.com.microsoft.Attention %x, %w : (tensor<1x4x32xf32>, tensor<32x96xf32>) -> (tensor<1x4x32xf32>, tensor<*xf32>)
  return
}

// -----

func.func @cast_to_wrong_attribute_type(%x: tensor<4xi64>) {
  // expected-error @+1 {{'onnx.Cast' op attribute 'to' failed to satisfy constraint: 64-bit signless integer attribute}}
  %0 = onnx.Cast %x {to = 1.0 : f32} : (tensor<4xi64>) -> tensor<4xf32>
  return
}

// -----

func.func @transpose_perm_wrong_attribute_type(%x: tensor<4x2xf32>) {
  // expected-error @+1 {{'onnx.Transpose' op attribute 'perm' failed to satisfy constraint: i64 dense array attribute}}
  %0 = onnx.Transpose %x {perm = [1, 0]} : (tensor<4x2xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @layer_normalization_one_result(%x: tensor<2x4xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'onnx.LayerNormalization' op expected 3 results}}
  %0 = "onnx.LayerNormalization"(%x, %s) : (tensor<2x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @constant_not_a_tensor() {
  // expected-error @+1 {{'onnx.Constant' op attribute 'value' failed to satisfy constraint: constant vector/tensor attribute}}
  %0 = "onnx.Constant"() {value = 1 : i64} : () -> tensor<i64>
  return
}
