// RUN: kiln-opt %s | kiln-opt | FileCheck %s
// A representative set of onnx ops survives a print-parse round trip: optional operands
// (present and absent), variadic operands and results, multi-result ops, attributes with
// defaults, and the com.microsoft contrib ops. Result types are taken as written (no inference).

// CHECK-LABEL: func.func @constant_forms
// CHECK: onnx.Constant dense<[0, 12, 64]> : tensor<3xi64>
// CHECK: onnx.Constant dense<1.000000e+00> : tensor<f32>
// CHECK: onnx.Constant dense<[true, false]> : tensor<2xi1>
// CHECK: onnx.Constant dense_resource<weight> : tensor<2xf32>
func.func @constant_forms() -> (tensor<3xi64>, tensor<f32>, tensor<2xi1>, tensor<2xf32>) {
  %0 = onnx.Constant dense<[0, 12, 64]> : tensor<3xi64>
  %1 = onnx.Constant dense<1.0> : tensor<f32>
  %2 = onnx.Constant dense<[true, false]> : tensor<2xi1>
  %3 = onnx.Constant dense_resource<weight> : tensor<2xf32>
  return %0, %1, %2, %3 : tensor<3xi64>, tensor<f32>, tensor<2xi1>, tensor<2xf32>
}

// CHECK-LABEL: func.func @elementwise_binary
// CHECK-SAME: (%[[A:.*]]: tensor<?x?x32xf32>, %[[B:.*]]: tensor<32xf32>)
// CHECK: %[[ADD:.*]] = onnx.Add %[[A]], %[[B]] : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
// CHECK: %[[SUB:.*]] = onnx.Sub %[[ADD]], %[[B]] : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
// CHECK: %[[MUL:.*]] = onnx.Mul %[[SUB]], %[[B]]
// CHECK: %[[DIV:.*]] = onnx.Div %[[MUL]], %[[B]]
// CHECK: %[[POW:.*]] = onnx.Pow %[[DIV]], %[[B]]
// CHECK: return %[[POW]]
func.func @elementwise_binary(%a: tensor<?x?x32xf32>, %b: tensor<32xf32>) -> tensor<?x?x32xf32> {
  %0 = onnx.Add %a, %b : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
  %1 = onnx.Sub %0, %b : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
  %2 = onnx.Mul %1, %b : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
  %3 = onnx.Div %2, %b : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
  %4 = onnx.Pow %3, %b : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
  return %4 : tensor<?x?x32xf32>
}

// Unranked result types are valid IR: they are what shape inference refines.
// CHECK-LABEL: func.func @unranked_results
// CHECK: onnx.Relu %{{.*}} : (tensor<*xf32>) -> tensor<*xf32>
// CHECK: onnx.Equal %{{.*}}, %{{.*}} : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xi1>
func.func @unranked_results(%x: tensor<*xf32>) -> tensor<*xi1> {
  %0 = onnx.Relu %x : (tensor<*xf32>) -> tensor<*xf32>
  %1 = onnx.Equal %0, %x : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xi1>
  return %1 : tensor<*xi1>
}

// CHECK-LABEL: func.func @slice_all_operands
// CHECK-SAME: (%[[X:.*]]: tensor<8x6x32xf32>, %[[S:.*]]: tensor<2xi64>, %[[E:.*]]: tensor<2xi64>, %[[AX:.*]]: tensor<2xi64>, %[[ST:.*]]: tensor<2xi64>)
// CHECK: onnx.Slice %[[X]], %[[S]], %[[E]] axes(%[[AX]]) steps(%[[ST]]) : (tensor<8x6x32xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<?x?x32xf32>
func.func @slice_all_operands(%x: tensor<8x6x32xf32>, %s: tensor<2xi64>, %e: tensor<2xi64>, %ax: tensor<2xi64>, %st: tensor<2xi64>) -> tensor<?x?x32xf32> {
  %0 = onnx.Slice %x, %s, %e axes(%ax) steps(%st) : (tensor<8x6x32xf32>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>) -> tensor<?x?x32xf32>
  return %0 : tensor<?x?x32xf32>
}

// steps without axes: the segment sizes keep the operands apart.
// CHECK-LABEL: func.func @slice_optional_operands
// CHECK-SAME: (%[[X:.*]]: tensor<8x6xf32>, %[[S:.*]]: tensor<2xi32>, %[[E:.*]]: tensor<2xi32>, %[[ST:.*]]: tensor<2xi32>)
// CHECK: onnx.Slice %[[X]], %[[S]], %[[E]] : (tensor<8x6xf32>, tensor<2xi32>, tensor<2xi32>) -> tensor<?x?xf32>
// CHECK: onnx.Slice %[[X]], %[[S]], %[[E]] steps(%[[ST]]) : (tensor<8x6xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<?x?xf32>
// CHECK-NOT: axes(
// CHECK: return
func.func @slice_optional_operands(%x: tensor<8x6xf32>, %s: tensor<2xi32>, %e: tensor<2xi32>, %st: tensor<2xi32>) -> (tensor<?x?xf32>, tensor<?x?xf32>) {
  %0 = onnx.Slice %x, %s, %e : (tensor<8x6xf32>, tensor<2xi32>, tensor<2xi32>) -> tensor<?x?xf32>
  %1 = onnx.Slice %x, %s, %e steps(%st) : (tensor<8x6xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<?x?xf32>
  return %0, %1 : tensor<?x?xf32>, tensor<?x?xf32>
}

// CHECK-LABEL: func.func @clip_min_max
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[LO:.*]]: tensor<f32>, %[[HI:.*]]: tensor<f32>)
// CHECK: onnx.Clip %[[X]] min(%[[LO]]) max(%[[HI]]) : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
// CHECK: onnx.Clip %[[X]] min(%[[LO]]) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
// CHECK: onnx.Clip %[[X]] max(%[[HI]]) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
// CHECK: onnx.Clip %[[X]] : (tensor<4xf32>) -> tensor<4xf32>
func.func @clip_min_max(%x: tensor<4xf32>, %lo: tensor<f32>, %hi: tensor<f32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = onnx.Clip %x min(%lo) max(%hi) : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
  %1 = onnx.Clip %x min(%lo) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %2 = onnx.Clip %x max(%hi) : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  %3 = onnx.Clip %x : (tensor<4xf32>) -> tensor<4xf32>
  return %0, %1, %2, %3 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @layer_normalization_three_results
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x32xf32>, %[[S:.*]]: tensor<32xf32>)
// CHECK: %[[Y:.*]], %[[MEAN:.*]], %[[INV:.*]] = onnx.LayerNormalization %[[X]], %[[S]] B(%[[S]]) {epsilon = 9.99999996E-13 : f32} : (tensor<?x?x32xf32>, tensor<32xf32>, tensor<32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>)
// CHECK: %[[Y2:.*]], %{{.*}}, %{{.*}} = onnx.LayerNormalization %[[Y]], %[[S]] {axis = 1 : i64} : (tensor<?x?x32xf32>, tensor<32xf32>) -> (tensor<?x?x32xf32>, tensor<?x1x1xf32>, tensor<?x1x1xf32>)
// CHECK: return %[[Y2]], %[[MEAN]], %[[INV]]
func.func @layer_normalization_three_results(%x: tensor<?x?x32xf32>, %s: tensor<32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>) {
  %0:3 = onnx.LayerNormalization %x, %s B(%s) {epsilon = 1.0e-12 : f32} : (tensor<?x?x32xf32>, tensor<32xf32>, tensor<32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>)
  %1:3 = onnx.LayerNormalization %0#0, %s {axis = 1 : i64} : (tensor<?x?x32xf32>, tensor<32xf32>) -> (tensor<?x?x32xf32>, tensor<?x1x1xf32>, tensor<?x1x1xf32>)
  return %1#0, %0#1, %0#2 : tensor<?x?x32xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>
}

// CHECK-LABEL: func.func @split_variadic_results
// CHECK-SAME: (%[[X:.*]]: tensor<2x96xf32>, %[[SPLIT:.*]]: tensor<2xi64>)
// CHECK: %[[A:.*]]:3 = onnx.Split %[[X]] {axis = 1 : i64, num_outputs = 3 : i64} : (tensor<2x96xf32>) -> (tensor<2x32xf32>, tensor<2x32xf32>, tensor<2x32xf32>)
// CHECK: %[[B:.*]]:2 = onnx.Split %[[X]] split(%[[SPLIT]]) {axis = -1 : i64} : (tensor<2x96xf32>, tensor<2xi64>) -> (tensor<2x64xf32>, tensor<2x32xf32>)
// CHECK: %[[C:.*]] = onnx.Split %[[X]] : (tensor<2x96xf32>) -> tensor<2x96xf32>
// CHECK: return %[[A]]#2, %[[B]]#1, %[[C]]
func.func @split_variadic_results(%x: tensor<2x96xf32>, %split: tensor<2xi64>) -> (tensor<2x32xf32>, tensor<2x32xf32>, tensor<2x96xf32>) {
  %0:3 = onnx.Split %x {axis = 1 : i64, num_outputs = 3 : i64} : (tensor<2x96xf32>) -> (tensor<2x32xf32>, tensor<2x32xf32>, tensor<2x32xf32>)
  %1:2 = onnx.Split %x split(%split) {axis = -1 : i64} : (tensor<2x96xf32>, tensor<2xi64>) -> (tensor<2x64xf32>, tensor<2x32xf32>)
  %2 = onnx.Split %x : (tensor<2x96xf32>) -> tensor<2x96xf32>
  return %0#2, %1#1, %2 : tensor<2x32xf32>, tensor<2x32xf32>, tensor<2x96xf32>
}

// CHECK-LABEL: func.func @concat_variadic_operands
// CHECK-SAME: (%[[A:.*]]: tensor<1xi64>, %[[B:.*]]: tensor<1xi64>, %[[C:.*]]: tensor<2xi64>)
// CHECK: onnx.Concat %[[A]], %[[B]], %[[C]] {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<2xi64>) -> tensor<4xi64>
// CHECK: onnx.Concat %[[C]] {axis = 0 : i64} : (tensor<2xi64>) -> tensor<2xi64>
func.func @concat_variadic_operands(%a: tensor<1xi64>, %b: tensor<1xi64>, %c: tensor<2xi64>) -> (tensor<4xi64>, tensor<2xi64>) {
  %0 = onnx.Concat %a, %b, %c {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<2xi64>) -> tensor<4xi64>
  %1 = onnx.Concat %c {axis = 0 : i64} : (tensor<2xi64>) -> tensor<2xi64>
  return %0, %1 : tensor<4xi64>, tensor<2xi64>
}

// CHECK-LABEL: func.func @shape_ops
// CHECK: %[[SHAPE:.*]] = onnx.Shape %{{.*}} {end = -1 : i64, start = 1 : i64} : (tensor<?x?x32xf32>) -> tensor<1xi64>
// CHECK: onnx.Gather %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<?x?x32xf32>, tensor<i64>) -> tensor<?x32xf32>
// CHECK: onnx.Unsqueeze %{{.*}}, %{{.*}} : (tensor<?x32xf32>, tensor<1xi64>) -> tensor<?x1x32xf32>
// CHECK: onnx.Squeeze %{{.*}} axes(%{{.*}}) : (tensor<?x1x32xf32>, tensor<1xi64>) -> tensor<?x32xf32>
// CHECK: onnx.Squeeze %{{.*}} : (tensor<?x1x32xf32>) -> tensor<*xf32>
// CHECK: onnx.Reshape %{{.*}}, %{{.*}} {allowzero = 1 : i64} : (tensor<?x32xf32>, tensor<3xi64>) -> tensor<?x4x8xf32>
// CHECK: onnx.Transpose %{{.*}} {perm = array<i64: 0, 2, 1>} : (tensor<?x4x8xf32>) -> tensor<?x8x4xf32>
// CHECK: onnx.Transpose %{{.*}} : (tensor<?x4x8xf32>) -> tensor<8x4x?xf32>
// CHECK: onnx.Flatten %{{.*}} {axis = 2 : i64} : (tensor<?x8x4xf32>) -> tensor<?x4xf32>
// CHECK: onnx.Expand %{{.*}}, %{{.*}} : (tensor<?x32xf32>, tensor<3xi64>) -> tensor<?x?x32xf32>
// CHECK: onnx.Tile %{{.*}}, %{{.*}} : (tensor<?x32xf32>, tensor<2xi64>) -> tensor<?x64xf32>
// CHECK: onnx.Size %{{.*}} : (tensor<?x?x32xf32>) -> tensor<i64>
func.func @shape_ops(%x: tensor<?x?x32xf32>, %i: tensor<i64>, %ax: tensor<1xi64>, %s3: tensor<3xi64>, %s2: tensor<2xi64>) {
  %0 = onnx.Shape %x {start = 1 : i64, end = -1 : i64} : (tensor<?x?x32xf32>) -> tensor<1xi64>
  %1 = onnx.Gather %x, %i {axis = 1 : i64} : (tensor<?x?x32xf32>, tensor<i64>) -> tensor<?x32xf32>
  %2 = onnx.Unsqueeze %1, %ax : (tensor<?x32xf32>, tensor<1xi64>) -> tensor<?x1x32xf32>
  %3 = onnx.Squeeze %2 axes(%ax) : (tensor<?x1x32xf32>, tensor<1xi64>) -> tensor<?x32xf32>
  %4 = onnx.Squeeze %2 : (tensor<?x1x32xf32>) -> tensor<*xf32>
  %5 = onnx.Reshape %3, %s3 {allowzero = 1 : i64} : (tensor<?x32xf32>, tensor<3xi64>) -> tensor<?x4x8xf32>
  %6 = onnx.Transpose %5 {perm = array<i64: 0, 2, 1>} : (tensor<?x4x8xf32>) -> tensor<?x8x4xf32>
  %7 = onnx.Transpose %5 : (tensor<?x4x8xf32>) -> tensor<8x4x?xf32>
  %8 = onnx.Flatten %6 {axis = 2 : i64} : (tensor<?x8x4xf32>) -> tensor<?x4xf32>
  %9 = onnx.Expand %3, %s3 : (tensor<?x32xf32>, tensor<3xi64>) -> tensor<?x?x32xf32>
  %10 = onnx.Tile %3, %s2 : (tensor<?x32xf32>, tensor<2xi64>) -> tensor<?x64xf32>
  %11 = onnx.Size %x : (tensor<?x?x32xf32>) -> tensor<i64>
  return
}

// CHECK-LABEL: func.func @generators
// CHECK: onnx.ConstantOfShape %{{.*}} {value = dense<1> : tensor<1xi64>} : (tensor<2xi64>) -> tensor<?x?xi64>
// CHECK: onnx.ConstantOfShape %{{.*}} : (tensor<2xi64>) -> tensor<?x?xf32>
// CHECK: onnx.Range %{{.*}}, %{{.*}}, %{{.*}} : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
// CHECK: onnx.Trilu %{{.*}} k(%{{.*}}) {upper = 0 : i64} : (tensor<?x?xf32>, tensor<i64>) -> tensor<?x?xf32>
func.func @generators(%shape: tensor<2xi64>, %n: tensor<i64>) {
  %0 = onnx.ConstantOfShape %shape {value = dense<1> : tensor<1xi64>} : (tensor<2xi64>) -> tensor<?x?xi64>
  %1 = onnx.ConstantOfShape %shape : (tensor<2xi64>) -> tensor<?x?xf32>
  %2 = onnx.Range %n, %n, %n : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %3 = onnx.Trilu %1 k(%n) {upper = 0 : i64} : (tensor<?x?xf32>, tensor<i64>) -> tensor<?x?xf32>
  return
}

// CHECK-LABEL: func.func @linear_algebra
// CHECK: onnx.MatMul %{{.*}}, %{{.*}} : (tensor<?x4x?x8xf32>, tensor<?x4x8x?xf32>) -> tensor<?x4x?x?xf32>
// CHECK: onnx.Gemm %{{.*}}, %{{.*}} C(%{{.*}}) {alpha = 5.000000e-01 : f32, transB = 1 : i64} : (tensor<4x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<4x16xf32>
// CHECK: onnx.Gemm %{{.*}}, %{{.*}} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
// CHECK: onnx.Einsum %{{.*}}, %{{.*}} {equation = "bhqd,bhkd->bhqk"} : (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>) -> tensor<?x4x?x?xf32>
// CHECK: onnx.Conv %{{.*}}, %{{.*}} B(%{{.*}}) {kernel_shape = array<i64: 8, 8>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 8, 8>} : (tensor<?x3x32x32xf32>, tensor<32x3x8x8xf32>, tensor<32xf32>) -> tensor<?x32x4x4xf32>
func.func @linear_algebra(%q: tensor<?x4x?x8xf32>, %kt: tensor<?x4x8x?xf32>, %a: tensor<4x8xf32>, %w: tensor<16x8xf32>, %w2: tensor<8x16xf32>, %c: tensor<16xf32>, %img: tensor<?x3x32x32xf32>, %cw: tensor<32x3x8x8xf32>, %cb: tensor<32xf32>) {
  %0 = onnx.MatMul %q, %kt : (tensor<?x4x?x8xf32>, tensor<?x4x8x?xf32>) -> tensor<?x4x?x?xf32>
  %1 = onnx.Gemm %a, %w C(%c) {alpha = 0.5 : f32, transB = 1 : i64} : (tensor<4x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %2 = onnx.Gemm %a, %w2 {beta = 1.0 : f32, transA = 0 : i64} : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %3 = onnx.Einsum %q, %q {equation = "bhqd,bhkd->bhqk"} : (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>) -> tensor<?x4x?x?xf32>
  %4 = onnx.Conv %img, %cw B(%cb) {group = 1 : i64, kernel_shape = array<i64: 8, 8>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 8, 8>} : (tensor<?x3x32x32xf32>, tensor<32x3x8x8xf32>, tensor<32xf32>) -> tensor<?x32x4x4xf32>
  return
}

// CHECK-LABEL: func.func @reductions_and_normalizations
// CHECK: onnx.ReduceMean %{{.*}} axes(%{{.*}}) : (tensor<?x?x32xf32>, tensor<1xi64>) -> tensor<?x?x1xf32>
// CHECK: onnx.ReduceSum %{{.*}} {keepdims = 0 : i64, noop_with_empty_axes = 1 : i64} : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
// CHECK: onnx.ReduceMax %{{.*}} axes(%{{.*}}) {keepdims = 0 : i64} : (tensor<?x?x32xf32>, tensor<1xi64>) -> tensor<?x?xf32>
// CHECK: onnx.Softmax %{{.*}} {axis = 1 : i64} : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
// CHECK: onnx.RMSNormalization %{{.*}}, %{{.*}} {epsilon = 9.99999997E-7 : f32} : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
// CHECK: %{{.*}}, %{{.*}} = onnx.SimplifiedLayerNormalization %{{.*}}, %{{.*}} : (tensor<?x?x32xf32>, tensor<32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x1xf32>)
func.func @reductions_and_normalizations(%x: tensor<?x?x32xf32>, %ax: tensor<1xi64>, %w: tensor<32xf32>) {
  %0 = onnx.ReduceMean %x axes(%ax) : (tensor<?x?x32xf32>, tensor<1xi64>) -> tensor<?x?x1xf32>
  %1 = onnx.ReduceSum %x {keepdims = 0 : i64, noop_with_empty_axes = 1 : i64} : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  %2 = onnx.ReduceMax %x axes(%ax) {keepdims = 0 : i64} : (tensor<?x?x32xf32>, tensor<1xi64>) -> tensor<?x?xf32>
  %3 = onnx.Softmax %x {axis = 1 : i64} : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  %4 = onnx.RMSNormalization %x, %w {epsilon = 1.0e-6 : f32} : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
  %5:2 = onnx.SimplifiedLayerNormalization %x, %w : (tensor<?x?x32xf32>, tensor<32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x1xf32>)
  return
}

// CHECK-LABEL: func.func @conversions_and_selection
// CHECK: onnx.Cast %{{.*}} {to = 1 : i64} : (tensor<?x?xi64>) -> tensor<?x?xf32>
// CHECK: onnx.CastLike %{{.*}}, %{{.*}} : (tensor<?x?xi64>, tensor<f16>) -> tensor<?x?xf16>
// CHECK: onnx.Equal %{{.*}}, %{{.*}} : (tensor<?x?xi64>, tensor<i64>) -> tensor<?x?xi1>
// CHECK: onnx.Not %{{.*}} : (tensor<?x?xi1>) -> tensor<?x?xi1>
// CHECK: onnx.Where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?xi1>, tensor<?x?xf32>, tensor<f32>) -> tensor<?x?xf32>
// CHECK: onnx.Pad %{{.*}}, %{{.*}} constant_value(%{{.*}}) axes(%{{.*}}) {mode = "reflect"} : (tensor<?x?xf32>, tensor<2xi64>, tensor<f32>, tensor<1xi64>) -> tensor<?x?xf32>
// CHECK: onnx.Pad %{{.*}}, %{{.*}} : (tensor<?x?xf32>, tensor<4xi64>) -> tensor<?x?xf32>
// CHECK: %{{.*}}, %{{.*}} = onnx.Dropout %{{.*}} : (tensor<?x?xf32>) -> (tensor<?x?xf32>, tensor<?x?xi1>)
func.func @conversions_and_selection(%ids: tensor<?x?xi64>, %h: tensor<f16>, %zero: tensor<i64>, %f: tensor<f32>, %p2: tensor<2xi64>, %ax: tensor<1xi64>, %p4: tensor<4xi64>) {
  %0 = onnx.Cast %ids {to = 1 : i64} : (tensor<?x?xi64>) -> tensor<?x?xf32>
  %1 = onnx.CastLike %ids, %h : (tensor<?x?xi64>, tensor<f16>) -> tensor<?x?xf16>
  %2 = onnx.Equal %ids, %zero : (tensor<?x?xi64>, tensor<i64>) -> tensor<?x?xi1>
  %3 = onnx.Not %2 : (tensor<?x?xi1>) -> tensor<?x?xi1>
  %4 = onnx.Where %3, %0, %f : (tensor<?x?xi1>, tensor<?x?xf32>, tensor<f32>) -> tensor<?x?xf32>
  %5 = onnx.Pad %4, %p2 constant_value(%f) axes(%ax) {mode = "reflect"} : (tensor<?x?xf32>, tensor<2xi64>, tensor<f32>, tensor<1xi64>) -> tensor<?x?xf32>
  %6 = onnx.Pad %4, %p4 : (tensor<?x?xf32>, tensor<4xi64>) -> tensor<?x?xf32>
  %7:2 = onnx.Dropout %6 : (tensor<?x?xf32>) -> (tensor<?x?xf32>, tensor<?x?xi1>)
  return
}

// CHECK-LABEL: func.func @standard_attention
// CHECK: onnx.Attention %{{.*}}, %{{.*}}, %{{.*}} attn_mask(%{{.*}}) {is_causal = 1 : i64, kv_num_heads = 2 : i64, q_num_heads = 4 : i64} : (tensor<?x?x64xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?xi1>) -> (tensor<?x?x64xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
func.func @standard_attention(%q: tensor<?x?x64xf32>, %kv: tensor<?x?x32xf32>, %m: tensor<?x?xi1>) -> tensor<?x?x64xf32> {
  %0:4 = onnx.Attention %q, %kv, %kv attn_mask(%m) {is_causal = 1 : i64, q_num_heads = 4 : i64, kv_num_heads = 2 : i64} : (tensor<?x?x64xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?xi1>) -> (tensor<?x?x64xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %0#0 : tensor<?x?x64xf32>
}

// CHECK-LABEL: func.func @microsoft_skip_layer_normalization
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x32xf16>, %[[SKIP:.*]]: tensor<?x?x32xf16>, %[[G:.*]]: tensor<32xf16>, %[[B:.*]]: tensor<32xf16>)
// CHECK: %[[OUT:.*]], %{{.*}}, %{{.*}}, %[[SUM:.*]] = onnx.com.microsoft.SkipLayerNormalization %[[X]], %[[SKIP]], %[[G]] beta(%[[B]]) bias(%[[B]]) {epsilon = 9.99999974E-6 : f32} : (tensor<?x?x32xf16>, tensor<?x?x32xf16>, tensor<32xf16>, tensor<32xf16>, tensor<32xf16>) -> (tensor<?x?x32xf16>, tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x?x32xf16>)
// CHECK: onnx.com.microsoft.SkipLayerNormalization %[[OUT]], %[[SUM]], %[[G]] : (tensor<?x?x32xf16>, tensor<?x?x32xf16>, tensor<32xf16>) ->
// CHECK: onnx.com.microsoft.SkipSimplifiedLayerNormalization %[[X]], %[[SKIP]], %[[G]] bias(%[[B]]) :
func.func @microsoft_skip_layer_normalization(%x: tensor<?x?x32xf16>, %skip: tensor<?x?x32xf16>, %g: tensor<32xf16>, %b: tensor<32xf16>) {
  %0:4 = onnx.com.microsoft.SkipLayerNormalization %x, %skip, %g beta(%b) bias(%b) {epsilon = 1.0e-5 : f32} : (tensor<?x?x32xf16>, tensor<?x?x32xf16>, tensor<32xf16>, tensor<32xf16>, tensor<32xf16>) -> (tensor<?x?x32xf16>, tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x?x32xf16>)
  %1:4 = onnx.com.microsoft.SkipLayerNormalization %0#0, %0#3, %g : (tensor<?x?x32xf16>, tensor<?x?x32xf16>, tensor<32xf16>) -> (tensor<?x?x32xf16>, tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x?x32xf16>)
  %2:4 = onnx.com.microsoft.SkipSimplifiedLayerNormalization %x, %skip, %g bias(%b) : (tensor<?x?x32xf16>, tensor<?x?x32xf16>, tensor<32xf16>, tensor<32xf16>) -> (tensor<?x?x32xf16>, tensor<?x?x1xf32>, tensor<?x?x1xf32>, tensor<?x?x32xf16>)
  return
}

// CHECK-LABEL: func.func @microsoft_contrib_ops
// CHECK: onnx.com.microsoft.Attention %{{.*}}, %{{.*}} bias(%{{.*}}) mask_index(%{{.*}}) {num_heads = 4 : i64} : (tensor<?x?x32xf32>, tensor<32x96xf32>, tensor<96xf32>, tensor<?xi32>) -> (tensor<?x?x32xf32>, tensor<*xf32>)
// CHECK: onnx.com.microsoft.MultiHeadAttention %{{.*}} key(%{{.*}}) value(%{{.*}}) {num_heads = 4 : i64, unidirectional = 1 : i64} :
// CHECK: onnx.com.microsoft.GroupQueryAttention %{{.*}} key(%{{.*}}) value(%{{.*}}), %{{.*}}, %{{.*}} {kv_num_heads = 2 : i64, num_heads = 4 : i64} :
// CHECK: onnx.com.microsoft.RotaryEmbedding %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {interleaved = 1 : i64} :
// CHECK: onnx.com.microsoft.FastGelu %{{.*}} bias(%{{.*}}) : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
// CHECK: onnx.com.microsoft.BiasGelu %{{.*}}, %{{.*}} : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
// CHECK: onnx.com.microsoft.Gelu %{{.*}} : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
func.func @microsoft_contrib_ops(%x: tensor<?x?x32xf32>, %w: tensor<32x96xf32>, %b: tensor<96xf32>, %mask: tensor<?xi32>, %seqlens: tensor<?xi32>, %total: tensor<i32>, %pos: tensor<?x?xi64>, %cache: tensor<?x16xf32>, %bias32: tensor<32xf32>) {
  %0:2 = onnx.com.microsoft.Attention %x, %w bias(%b) mask_index(%mask) {num_heads = 4 : i64} : (tensor<?x?x32xf32>, tensor<32x96xf32>, tensor<96xf32>, tensor<?xi32>) -> (tensor<?x?x32xf32>, tensor<*xf32>)
  %1:4 = onnx.com.microsoft.MultiHeadAttention %x key(%x) value(%x) {num_heads = 4 : i64, unidirectional = 1 : i64} : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>) -> (tensor<?x?x32xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  %2:4 = onnx.com.microsoft.GroupQueryAttention %x key(%x) value(%x), %seqlens, %total {num_heads = 4 : i64, kv_num_heads = 2 : i64} : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?xi32>, tensor<i32>) -> (tensor<?x?x32xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  %3 = onnx.com.microsoft.RotaryEmbedding %x, %pos, %cache, %cache {interleaved = 1 : i64} : (tensor<?x?x32xf32>, tensor<?x?xi64>, tensor<?x16xf32>, tensor<?x16xf32>) -> tensor<?x?x32xf32>
  %4 = onnx.com.microsoft.FastGelu %x bias(%bias32) : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
  %5 = onnx.com.microsoft.BiasGelu %x, %bias32 : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
  %6 = onnx.com.microsoft.Gelu %x : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  return
}

// The blob of @constant_forms' dense_resource (alignment 4, then 1.0 and 2.0) is kept as is.
// CHECK: dialect_resources
// CHECK-NEXT: builtin
// CHECK-NEXT: weight: "0x040000000000803F00000040"

{-#
  dialect_resources: {
    builtin: {
      weight: "0x040000000000803F00000040"
    }
  }
#-}
