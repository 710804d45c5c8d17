// RUN: kiln-opt %s -split-input-file -verify-diagnostics
// ONNX's variadic inputs take at least one value, and the values share one type variable.

func.func @concat_no_operands() {
  // expected-error @+1 {{operand}}
  %0 = onnx.Concat {axis = 0 : i64} : () -> tensor<*xf32>
  return
}

// -----

func.func @sum_no_operands() {
  // expected-error @+1 {{operand}}
  %0 = onnx.Sum : () -> tensor<*xf32>
  return
}

// -----

func.func @max_no_operands() {
  // expected-error @+1 {{operand}}
  %0 = onnx.Max : () -> tensor<*xf32>
  return
}

// -----

func.func @min_no_operands() {
  // expected-error @+1 {{operand}}
  %0 = onnx.Min : () -> tensor<*xf32>
  return
}

// -----

func.func @einsum_no_operands() {
  // expected-error @+1 {{operand}}
  %0 = onnx.Einsum {equation = "->"} : () -> tensor<*xf32>
  return
}

// -----

func.func @concat_mixed_element_types(%a: tensor<2xi64>, %b: tensor<2xf32>) {
  // expected-error @+1 {{'onnx.Concat' op requires the same element type for all operands}}
  %0 = onnx.Concat %a, %b {axis = 0 : i64} : (tensor<2xi64>, tensor<2xf32>) -> tensor<4xi64>
  return
}

// -----

func.func @max_mixed_element_types(%a: tensor<2xi64>, %b: tensor<2xf32>) {
  // expected-error @+1 {{'onnx.Max' op requires the same element type for all operands}}
  %0 = onnx.Max %a, %b : (tensor<2xi64>, tensor<2xf32>) -> tensor<2xi64>
  return
}

// -----

func.func @min_mixed_element_types(%a: tensor<2xf16>, %b: tensor<2xf32>) {
  // expected-error @+1 {{'onnx.Min' op requires the same element type for all operands}}
  %0 = onnx.Min %a, %b : (tensor<2xf16>, tensor<2xf32>) -> tensor<2xf16>
  return
}

// -----

func.func @sum_mixed_element_types(%a: tensor<2xf32>, %b: tensor<2xf64>) {
  // expected-error @+1 {{'onnx.Sum' op requires the same element type for all operands}}
  %0 = onnx.Sum %a, %b : (tensor<2xf32>, tensor<2xf64>) -> tensor<2xf32>
  return
}
