// RUN: kiln-opt %s --kiln-onnx-shape-inference | FileCheck %s
// kiln-onnx-shape-inference refines unranked onnx results from operand types, constant
// operands and partially known shape values, and makes the signature match the returns.

// CHECK-LABEL: func.func @broadcast_add
// CHECK-SAME: -> (tensor<2x3x4xf32>, tensor<?x3x4xf32>, tensor<?x5xf32>)
// CHECK: onnx.Add %{{.*}}, %{{.*}} : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
// CHECK: onnx.Add %{{.*}}, %{{.*}} : (tensor<?x1x4xf32>, tensor<3x4xf32>) -> tensor<?x3x4xf32>
// CHECK: onnx.Add %{{.*}}, %{{.*}} : (tensor<?x1xf32>, tensor<5xf32>) -> tensor<?x5xf32>
func.func @broadcast_add(%a: tensor<2x1x4xf32>, %b: tensor<3x1xf32>, %c: tensor<?x1x4xf32>, %d: tensor<3x4xf32>, %e: tensor<?x1xf32>, %f: tensor<5xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = onnx.Add %a, %b : (tensor<2x1x4xf32>, tensor<3x1xf32>) -> tensor<*xf32>
  %1 = onnx.Add %c, %d : (tensor<?x1x4xf32>, tensor<3x4xf32>) -> tensor<*xf32>
  %2 = onnx.Add %e, %f : (tensor<?x1xf32>, tensor<5xf32>) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// A dynamic dim against a static one (not 1) takes the static size.
// CHECK-LABEL: func.func @broadcast_dynamic_dims
// CHECK: onnx.Mul %{{.*}}, %{{.*}} : (tensor<?x?xf32>, tensor<1x8xf32>) -> tensor<?x8xf32>
// CHECK: onnx.Sub %{{.*}}, %{{.*}} : (tensor<?xi64>, tensor<?xi64>) -> tensor<?xi64>
func.func @broadcast_dynamic_dims(%a: tensor<?x?xf32>, %b: tensor<1x8xf32>, %i: tensor<?xi64>) -> (tensor<*xf32>, tensor<*xi64>) {
  %0 = onnx.Mul %a, %b : (tensor<?x?xf32>, tensor<1x8xf32>) -> tensor<*xf32>
  %1 = onnx.Sub %i, %i : (tensor<?xi64>, tensor<?xi64>) -> tensor<*xi64>
  return %0, %1 : tensor<*xf32>, tensor<*xi64>
}

// An unranked operand leaves the result unranked; the element type is still known.
// CHECK-LABEL: func.func @negative_broadcast_unranked_operand
// CHECK: onnx.Div %{{.*}}, %{{.*}} : (tensor<*xf32>, tensor<4xf32>) -> tensor<*xf32>
func.func @negative_broadcast_unranked_operand(%a: tensor<*xf32>, %b: tensor<4xf32>) -> tensor<*xf32> {
  %0 = onnx.Div %a, %b : (tensor<*xf32>, tensor<4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// CHECK-LABEL: func.func @matmul_batched
// CHECK: onnx.MatMul %{{.*}}, %{{.*}} : (tensor<?x4x8x16xf32>, tensor<16x32xf32>) -> tensor<?x4x8x32xf32>
// CHECK: onnx.MatMul %{{.*}}, %{{.*}} : (tensor<2x1x8x16xf32>, tensor<3x16x5xf32>) -> tensor<2x3x8x5xf32>
// CHECK: onnx.MatMul %{{.*}}, %{{.*}} : (tensor<?x4x?x8xf32>, tensor<?x4x8x?xf32>) -> tensor<?x4x?x?xf32>
func.func @matmul_batched(%a: tensor<?x4x8x16xf32>, %b: tensor<16x32xf32>, %c: tensor<2x1x8x16xf32>, %d: tensor<3x16x5xf32>, %q: tensor<?x4x?x8xf32>, %k: tensor<?x4x8x?xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = onnx.MatMul %a, %b : (tensor<?x4x8x16xf32>, tensor<16x32xf32>) -> tensor<*xf32>
  %1 = onnx.MatMul %c, %d : (tensor<2x1x8x16xf32>, tensor<3x16x5xf32>) -> tensor<*xf32>
  %2 = onnx.MatMul %q, %k : (tensor<?x4x?x8xf32>, tensor<?x4x8x?xf32>) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// Rank-1 operands are promoted to matrices and the added dim is dropped again.
// CHECK-LABEL: func.func @matmul_rank_1
// CHECK: onnx.MatMul %{{.*}}, %{{.*}} : (tensor<16xf32>, tensor<16x32xf32>) -> tensor<32xf32>
// CHECK: onnx.MatMul %{{.*}}, %{{.*}} : (tensor<?x8x16xf32>, tensor<16xf32>) -> tensor<?x8xf32>
// CHECK: onnx.MatMul %{{.*}}, %{{.*}} : (tensor<16xf32>, tensor<16xf32>) -> tensor<f32>
func.func @matmul_rank_1(%v: tensor<16xf32>, %m: tensor<16x32xf32>, %b: tensor<?x8x16xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = onnx.MatMul %v, %m : (tensor<16xf32>, tensor<16x32xf32>) -> tensor<*xf32>
  %1 = onnx.MatMul %b, %v : (tensor<?x8x16xf32>, tensor<16xf32>) -> tensor<*xf32>
  %2 = onnx.MatMul %v, %v : (tensor<16xf32>, tensor<16xf32>) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// CHECK-LABEL: func.func @gemm_transpose
// CHECK: onnx.Gemm %{{.*}}, %{{.*}} {transA = 1 : i64} : (tensor<8x4xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
// CHECK: onnx.Gemm %{{.*}}, %{{.*}} C(%{{.*}}) {transB = 1 : i64} : (tensor<4x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<4x16xf32>
// CHECK: onnx.Gemm %{{.*}}, %{{.*}} {transA = 1 : i64, transB = 1 : i64} : (tensor<8x4xf32>, tensor<16x8xf32>) -> tensor<4x16xf32>
// CHECK: onnx.Gemm %{{.*}}, %{{.*}} : (tensor<*xf32>, tensor<8x16xf32>) -> tensor<?x?xf32>
func.func @gemm_transpose(%at: tensor<8x4xf32>, %b: tensor<8x16xf32>, %a: tensor<4x8xf32>, %bt: tensor<16x8xf32>, %c: tensor<16xf32>, %u: tensor<*xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = onnx.Gemm %at, %b {transA = 1 : i64} : (tensor<8x4xf32>, tensor<8x16xf32>) -> tensor<*xf32>
  %1 = onnx.Gemm %a, %bt C(%c) {transB = 1 : i64} : (tensor<4x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<*xf32>
  %2 = onnx.Gemm %at, %bt {transA = 1 : i64, transB = 1 : i64} : (tensor<8x4xf32>, tensor<16x8xf32>) -> tensor<*xf32>
  %3 = onnx.Gemm %u, %b : (tensor<*xf32>, tensor<8x16xf32>) -> tensor<*xf32>
  return %0, %1, %2, %3 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// CHECK-LABEL: func.func @transpose_perm
// CHECK: onnx.Transpose %{{.*}} {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x4x8xf32>) -> tensor<?x4x?x8xf32>
// CHECK: onnx.Transpose %{{.*}} : (tensor<?x?x4x8xf32>) -> tensor<8x4x?x?xf32>
func.func @transpose_perm(%x: tensor<?x?x4x8xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = onnx.Transpose %x {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x4x8xf32>) -> tensor<*xf32>
  %1 = onnx.Transpose %x : (tensor<?x?x4x8xf32>) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// 0 copies the input dim, -1 takes the remaining elements when they are known.
// CHECK-LABEL: func.func @reshape_constant_shape
// CHECK: onnx.Reshape %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x12xf32>
// CHECK: onnx.Reshape %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
// The remaining element count is unknown: [?, 3, 4] to [-1, 4] gives [?, 4].
// CHECK: onnx.Reshape %{{.*}}, %{{.*}} : (tensor<?x3x4xf32>, tensor<2xi64>) -> tensor<?x4xf32>
// CHECK: onnx.Reshape %{{.*}}, %{{.*}} : (tensor<2x3x4xf32>, tensor<4xi64>) -> tensor<2x3x2x2xf32>
// (The copied dynamic dim of [?, 3, 4] to [0, -1] is in kiln-onnx-shape-inference-imprecise.mlir.)
func.func @reshape_constant_shape(%x: tensor<2x3x4xf32>, %d: tensor<?x3x4xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %keep_rest = onnx.Constant dense<[0, -1]> : tensor<2xi64>
  %rest_4 = onnx.Constant dense<[-1, 4]> : tensor<2xi64>
  %split = onnx.Constant dense<[0, 0, 2, -1]> : tensor<4xi64>
  %0 = onnx.Reshape %x, %keep_rest : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  %1 = onnx.Reshape %x, %rest_4 : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  %2 = onnx.Reshape %d, %rest_4 : (tensor<?x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  %3 = onnx.Reshape %x, %split : (tensor<2x3x4xf32>, tensor<4xi64>) -> tensor<*xf32>
  return %0, %1, %2, %3 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// allowzero = 1: a 0 is a zero-sized dim, not a copy.
// CHECK-LABEL: func.func @reshape_allowzero
// CHECK: onnx.Reshape %{{.*}}, %{{.*}} {allowzero = 1 : i64} : (tensor<0x4xf32>, tensor<2xi64>) -> tensor<4x0xf32>
func.func @reshape_allowzero(%x: tensor<0x4xf32>) -> tensor<*xf32> {
  %s = onnx.Constant dense<[4, 0]> : tensor<2xi64>
  %0 = onnx.Reshape %x, %s {allowzero = 1 : i64} : (tensor<0x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// The exporter's head split: the shape is Concat(Unsqueeze(Gather(Shape(x), i)), [4], [8]).
// The batch and sequence dims are unknown, the head dims are constants.
// CHECK-LABEL: func.func @reshape_shape_value_chain
// CHECK-SAME: -> (tensor<?x?x4x8xf32>, tensor<?x4x8xf32>)
// CHECK: %[[SHAPE:.*]] = onnx.Shape %{{.*}} : (tensor<?x?x32xf32>) -> tensor<3xi64>
// CHECK: %[[B:.*]] = onnx.Gather %[[SHAPE]], %{{.*}} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
// CHECK: %[[UB:.*]] = onnx.Unsqueeze %[[B]], %{{.*}} : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
// CHECK: %[[S:.*]] = onnx.Gather %[[SHAPE]], %{{.*}} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
// CHECK: %[[US:.*]] = onnx.Unsqueeze %[[S]], %{{.*}} : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
// CHECK: %[[CAT:.*]] = onnx.Concat %[[UB]], %[[US]], %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
// CHECK: onnx.Reshape %{{.*}}, %[[CAT]] : (tensor<?x?x32xf32>, tensor<4xi64>) -> tensor<?x?x4x8xf32>
// CHECK: %[[CAT2:.*]] = onnx.Concat %[[UB]], %{{.*}} {axis = 0 : i64} : (tensor<1xi64>, tensor<2xi64>) -> tensor<3xi64>
// CHECK: onnx.Reshape %{{.*}}, %[[CAT2]] : (tensor<?x32xf32>, tensor<3xi64>) -> tensor<?x4x8xf32>
func.func @reshape_shape_value_chain(%x: tensor<?x?x32xf32>, %y: tensor<?x32xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %zero = onnx.Constant dense<0> : tensor<i64>
  %one = onnx.Constant dense<1> : tensor<i64>
  %axis0 = onnx.Constant dense<0> : tensor<1xi64>
  %four = onnx.Constant dense<4> : tensor<1xi64>
  %eight = onnx.Constant dense<8> : tensor<1xi64>
  %heads = onnx.Constant dense<[4, 8]> : tensor<2xi64>
  %shape = onnx.Shape %x : (tensor<?x?x32xf32>) -> tensor<*xi64>
  %b = onnx.Gather %shape, %zero : (tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  %ub = onnx.Unsqueeze %b, %axis0 : (tensor<*xi64>, tensor<1xi64>) -> tensor<*xi64>
  %s = onnx.Gather %shape, %one : (tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  %us = onnx.Unsqueeze %s, %axis0 : (tensor<*xi64>, tensor<1xi64>) -> tensor<*xi64>
  %cat = onnx.Concat %ub, %us, %four, %eight {axis = 0 : i64} : (tensor<*xi64>, tensor<*xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xi64>
  %0 = onnx.Reshape %x, %cat : (tensor<?x?x32xf32>, tensor<*xi64>) -> tensor<*xf32>
  %cat2 = onnx.Concat %ub, %heads {axis = 0 : i64} : (tensor<*xi64>, tensor<2xi64>) -> tensor<*xi64>
  %1 = onnx.Reshape %y, %cat2 : (tensor<?x32xf32>, tensor<*xi64>) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// A shape operand whose contents are unknown gives an unranked result; a declared type is kept.
// CHECK-LABEL: func.func @negative_reshape_unknown_shape
// CHECK: onnx.Reshape %{{.*}}, %{{.*}} : (tensor<?x32xf32>, tensor<?xi64>) -> tensor<*xf32>
// CHECK: onnx.Reshape %{{.*}}, %{{.*}} : (tensor<?x32xf32>, tensor<?xi64>) -> tensor<?x8xf32>
func.func @negative_reshape_unknown_shape(%x: tensor<?x32xf32>, %s: tensor<?xi64>) -> (tensor<*xf32>, tensor<?x8xf32>) {
  %0 = onnx.Reshape %x, %s : (tensor<?x32xf32>, tensor<?xi64>) -> tensor<*xf32>
  %1 = onnx.Reshape %x, %s : (tensor<?x32xf32>, tensor<?xi64>) -> tensor<?x8xf32>
  return %0, %1 : tensor<*xf32>, tensor<?x8xf32>
}

// CHECK-LABEL: func.func @squeeze_unsqueeze
// CHECK: onnx.Squeeze %{{.*}} axes(%{{.*}}) : (tensor<?x1x4x1xf32>, tensor<2xi64>) -> tensor<?x4xf32>
// CHECK: onnx.Squeeze %{{.*}} : (tensor<1x4x1xf32>) -> tensor<4xf32>
// CHECK: onnx.Squeeze %{{.*}} : (tensor<?x1x4x1xf32>) -> tensor<*xf32>
// CHECK: onnx.Unsqueeze %{{.*}}, %{{.*}} : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<1x?x4x1xf32>
// CHECK: onnx.Unsqueeze %{{.*}}, %{{.*}} : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
func.func @squeeze_unsqueeze(%x: tensor<?x1x4x1xf32>, %y: tensor<1x4x1xf32>, %i: tensor<i64>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xi64>) {
  %axes = onnx.Constant dense<[1, -1]> : tensor<2xi64>
  %outer = onnx.Constant dense<[0, -1]> : tensor<2xi64>
  %axis0 = onnx.Constant dense<0> : tensor<1xi64>
  %0 = onnx.Squeeze %x axes(%axes) : (tensor<?x1x4x1xf32>, tensor<2xi64>) -> tensor<*xf32>
  %1 = onnx.Squeeze %y : (tensor<1x4x1xf32>) -> tensor<*xf32>
  %2 = onnx.Squeeze %x : (tensor<?x1x4x1xf32>) -> tensor<*xf32>
  %3 = onnx.Unsqueeze %0, %outer : (tensor<*xf32>, tensor<2xi64>) -> tensor<*xf32>
  %4 = onnx.Unsqueeze %i, %axis0 : (tensor<i64>, tensor<1xi64>) -> tensor<*xi64>
  return %0, %1, %2, %3, %4 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xi64>
}

// CHECK-LABEL: func.func @concat
// CHECK: onnx.Concat %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<2x8xf32>
// CHECK: onnx.Concat %{{.*}}, %{{.*}} {axis = -1 : i64} : (tensor<2x3xf32>, tensor<?x?xf32>) -> tensor<2x?xf32>
// CHECK: onnx.Concat %{{.*}}, %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
func.func @concat(%a: tensor<2x3xf32>, %b: tensor<2x5xf32>, %c: tensor<?x?xf32>, %d: tensor<?x3xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %0 = onnx.Concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x5xf32>) -> tensor<*xf32>
  %1 = onnx.Concat %a, %c {axis = -1 : i64} : (tensor<2x3xf32>, tensor<?x?xf32>) -> tensor<*xf32>
  %2 = onnx.Concat %a, %a, %d {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>, tensor<?x3xf32>) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// CHECK-LABEL: func.func @split_equal
// CHECK: onnx.Split %{{.*}} {axis = 2 : i64, num_outputs = 3 : i64} : (tensor<?x?x96xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?x32xf32>)
// The last part is smaller when the axis does not divide evenly: 10 = 4 + 4 + 2.
// CHECK: onnx.Split %{{.*}} {num_outputs = 3 : i64} : (tensor<10xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<2xf32>)
// CHECK: onnx.Split %{{.*}} {axis = 1 : i64, num_outputs = 2 : i64} : (tensor<2x?xf32>) -> (tensor<2x?xf32>, tensor<2x?xf32>)
func.func @split_equal(%x: tensor<?x?x96xf32>, %y: tensor<10xf32>, %z: tensor<2x?xf32>) {
  %0:3 = onnx.Split %x {axis = 2 : i64, num_outputs = 3 : i64} : (tensor<?x?x96xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  %1:3 = onnx.Split %y {num_outputs = 3 : i64} : (tensor<10xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  %2:2 = onnx.Split %z {axis = 1 : i64, num_outputs = 2 : i64} : (tensor<2x?xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// CHECK-LABEL: func.func @split_explicit
// CHECK: onnx.Split %{{.*}} split(%{{.*}}) {axis = -1 : i64} : (tensor<?x96xf32>, tensor<2xi64>) -> (tensor<?x64xf32>, tensor<?x32xf32>)
// CHECK: onnx.Split %{{.*}} split(%{{.*}}) : (tensor<?x96xf32>, tensor<?xi64>) -> (tensor<?x96xf32>, tensor<?x96xf32>)
func.func @split_explicit(%x: tensor<?x96xf32>, %dyn: tensor<?xi64>) {
  %sizes = onnx.Constant dense<[64, 32]> : tensor<2xi64>
  %0:2 = onnx.Split %x split(%sizes) {axis = -1 : i64} : (tensor<?x96xf32>, tensor<2xi64>) -> (tensor<*xf32>, tensor<*xf32>)
  %1:2 = onnx.Split %x split(%dyn) : (tensor<?x96xf32>, tensor<?xi64>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// CHECK-LABEL: func.func @slice_constants
// [2:5] of 10 on axis 0: 3.
// CHECK: onnx.Slice %{{.*}}, %{{.*}}, %{{.*}} : (tensor<10x20xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<3x20xf32>
// [-3:-1] of 20 on axis 1: 2.
// CHECK: onnx.Slice %{{.*}}, %{{.*}}, %{{.*}} axes(%{{.*}}) : (tensor<10x20xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<10x2xf32>
// [1:INT64_MAX:3] of 20: 1, 4, ..., 19 -> 7.
// CHECK: onnx.Slice %{{.*}}, %{{.*}}, %{{.*}} axes(%{{.*}}) steps(%{{.*}}) : (tensor<10x20xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<10x7xf32>
// [-1:INT64_MIN:-1] of 10 (a reversal): 10.
// CHECK: onnx.Slice %{{.*}}, %{{.*}}, %{{.*}} axes(%{{.*}}) steps(%{{.*}}) : (tensor<10x20xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<10x20xf32>
// [8:1:-2] of 10: 8, 6, 4, 2 -> 4.
// CHECK: onnx.Slice %{{.*}}, %{{.*}}, %{{.*}} axes(%{{.*}}) steps(%{{.*}}) : (tensor<10x20xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4x20xf32>
// A dynamic sliced axis stays dynamic; the others keep their sizes.
// CHECK: onnx.Slice %{{.*}}, %{{.*}}, %{{.*}} axes(%{{.*}}) : (tensor<?x20xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x20xf32>
// Empty: [5:2] with step 1.
// CHECK: onnx.Slice %{{.*}}, %{{.*}}, %{{.*}} : (tensor<10x20xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<0x20xf32>
func.func @slice_constants(%x: tensor<10x20xf32>, %d: tensor<?x20xf32>) {
  %c2 = onnx.Constant dense<2> : tensor<1xi64>
  %c5 = onnx.Constant dense<5> : tensor<1xi64>
  %cm3 = onnx.Constant dense<-3> : tensor<1xi64>
  %cm1 = onnx.Constant dense<-1> : tensor<1xi64>
  %c1 = onnx.Constant dense<1> : tensor<1xi64>
  %c3 = onnx.Constant dense<3> : tensor<1xi64>
  %c8 = onnx.Constant dense<8> : tensor<1xi64>
  %cm2 = onnx.Constant dense<-2> : tensor<1xi64>
  %c0 = onnx.Constant dense<0> : tensor<1xi64>
  %max = onnx.Constant dense<9223372036854775807> : tensor<1xi64>
  %min = onnx.Constant dense<-9223372036854775808> : tensor<1xi64>
  %0 = onnx.Slice %x, %c2, %c5 : (tensor<10x20xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  %1 = onnx.Slice %x, %cm3, %cm1 axes(%c1) : (tensor<10x20xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  %2 = onnx.Slice %x, %c1, %max axes(%cm1) steps(%c3) : (tensor<10x20xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  %3 = onnx.Slice %x, %cm1, %min axes(%c0) steps(%cm1) : (tensor<10x20xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  %4 = onnx.Slice %x, %c8, %c1 axes(%c0) steps(%cm2) : (tensor<10x20xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  %5 = onnx.Slice %d, %c1, %c3 axes(%c0) : (tensor<?x20xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  %6 = onnx.Slice %x, %c5, %c2 : (tensor<10x20xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  return
}

// Unknown starts: only the sliced axis becomes dynamic.
// CHECK-LABEL: func.func @slice_unknown_starts
// CHECK: onnx.Slice %{{.*}}, %{{.*}}, %{{.*}} axes(%{{.*}}) : (tensor<10x20xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<10x?xf32>
func.func @slice_unknown_starts(%x: tensor<10x20xf32>, %s: tensor<1xi64>) -> tensor<*xf32> {
  %e = onnx.Constant dense<5> : tensor<1xi64>
  %a = onnx.Constant dense<1> : tensor<1xi64>
  %0 = onnx.Slice %x, %s, %e axes(%a) : (tensor<10x20xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// CHECK-LABEL: func.func @gather
// CHECK: onnx.Gather %{{.*}}, %{{.*}} : (tensor<100x32xf32>, tensor<?x?xi64>) -> tensor<?x?x32xf32>
// CHECK: onnx.Gather %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<4x5x6xf32>, tensor<2xi64>) -> tensor<4x2x6xf32>
// CHECK: onnx.Gather %{{.*}}, %{{.*}} {axis = -1 : i64} : (tensor<4x5x6xf32>, tensor<i64>) -> tensor<4x5xf32>
func.func @gather(%table: tensor<100x32xf32>, %ids: tensor<?x?xi64>, %x: tensor<4x5x6xf32>) {
  %pair = onnx.Constant dense<[0, -1]> : tensor<2xi64>
  %last = onnx.Constant dense<5> : tensor<i64>
  %0 = onnx.Gather %table, %ids : (tensor<100x32xf32>, tensor<?x?xi64>) -> tensor<*xf32>
  %1 = onnx.Gather %x, %pair {axis = 1 : i64} : (tensor<4x5x6xf32>, tensor<2xi64>) -> tensor<*xf32>
  %2 = onnx.Gather %x, %last {axis = -1 : i64} : (tensor<4x5x6xf32>, tensor<i64>) -> tensor<*xf32>
  return
}

// CHECK-LABEL: func.func @expand
// CHECK: onnx.Expand %{{.*}}, %{{.*}} : (tensor<1x4xf32>, tensor<3xi64>) -> tensor<3x1x4xf32>
// A 1 in the target keeps the input dim.
// CHECK: onnx.Expand %{{.*}}, %{{.*}} : (tensor<2x1xf32>, tensor<2xi64>) -> tensor<2x5xf32>
// The target from Shape(y): y's dims, with a dynamic one taking a known input dim.
// CHECK: onnx.Expand %{{.*}}, %{{.*}} : (tensor<1x4xf32>, tensor<2xi64>) -> tensor<?x4xf32>
func.func @expand(%x: tensor<1x4xf32>, %c: tensor<2x1xf32>, %y: tensor<?x?xf32>) {
  %s3 = onnx.Constant dense<[3, 1, 4]> : tensor<3xi64>
  %s2 = onnx.Constant dense<[1, 5]> : tensor<2xi64>
  %0 = onnx.Expand %x, %s3 : (tensor<1x4xf32>, tensor<3xi64>) -> tensor<*xf32>
  %1 = onnx.Expand %c, %s2 : (tensor<2x1xf32>, tensor<2xi64>) -> tensor<*xf32>
  %shape = onnx.Shape %y : (tensor<?x?xf32>) -> tensor<2xi64>
  %2 = onnx.Expand %x, %shape : (tensor<1x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  return
}

// CHECK-LABEL: func.func @tile
// CHECK: onnx.Tile %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<4x9xf32>
// CHECK: onnx.Tile %{{.*}}, %{{.*}} : (tensor<?x3xf32>, tensor<2xi64>) -> tensor<?x9xf32>
// CHECK: onnx.Tile %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<?x?xf32>
func.func @tile(%x: tensor<2x3xf32>, %d: tensor<?x3xf32>, %r: tensor<2xi64>) {
  %reps = onnx.Constant dense<[2, 3]> : tensor<2xi64>
  %0 = onnx.Tile %x, %reps : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  %1 = onnx.Tile %d, %reps : (tensor<?x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  %2 = onnx.Tile %x, %r : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<*xf32>
  return
}

// CHECK-LABEL: func.func @shape_start_end
// CHECK: onnx.Shape %{{.*}} : (tensor<?x4x8xf32>) -> tensor<3xi64>
// CHECK: onnx.Shape %{{.*}} {start = 1 : i64} : (tensor<?x4x8xf32>) -> tensor<2xi64>
// CHECK: onnx.Shape %{{.*}} {start = -1 : i64} : (tensor<?x4x8xf32>) -> tensor<1xi64>
// CHECK: onnx.Shape %{{.*}} {end = -1 : i64} : (tensor<?x4x8xf32>) -> tensor<2xi64>
// Out-of-range start and end clamp to [0, rank].
// CHECK: onnx.Shape %{{.*}} {end = 10 : i64, start = -10 : i64} : (tensor<?x4x8xf32>) -> tensor<3xi64>
// CHECK: onnx.Shape %{{.*}} {end = 1 : i64, start = 2 : i64} : (tensor<?x4x8xf32>) -> tensor<0xi64>
// CHECK: onnx.Shape %{{.*}} : (tensor<*xf32>) -> tensor<?xi64>
func.func @shape_start_end(%x: tensor<?x4x8xf32>, %u: tensor<*xf32>) {
  %0 = onnx.Shape %x : (tensor<?x4x8xf32>) -> tensor<*xi64>
  %1 = onnx.Shape %x {start = 1 : i64} : (tensor<?x4x8xf32>) -> tensor<*xi64>
  %2 = onnx.Shape %x {start = -1 : i64} : (tensor<?x4x8xf32>) -> tensor<*xi64>
  %3 = onnx.Shape %x {end = -1 : i64} : (tensor<?x4x8xf32>) -> tensor<*xi64>
  %4 = onnx.Shape %x {start = -10 : i64, end = 10 : i64} : (tensor<?x4x8xf32>) -> tensor<*xi64>
  %5 = onnx.Shape %x {start = 2 : i64, end = 1 : i64} : (tensor<?x4x8xf32>) -> tensor<*xi64>
  %6 = onnx.Shape %u : (tensor<*xf32>) -> tensor<*xi64>
  return
}

// CHECK-LABEL: func.func @constant_of_shape
// CHECK: onnx.ConstantOfShape %{{.*}} : (tensor<2xi64>) -> tensor<2x3xf32>
// CHECK: onnx.ConstantOfShape %{{.*}} {value = dense<1> : tensor<1xi64>} : (tensor<2xi64>) -> tensor<2x3xi64>
// CHECK: onnx.ConstantOfShape %{{.*}} {value = dense<true> : tensor<1xi1>} : (tensor<2xi64>) -> tensor<?x4xi1>
// CHECK: onnx.ConstantOfShape %{{.*}} : (tensor<?xi64>) -> tensor<*xf32>
func.func @constant_of_shape(%y: tensor<?x4xf32>, %dyn: tensor<?xi64>) {
  %s = onnx.Constant dense<[2, 3]> : tensor<2xi64>
  %0 = onnx.ConstantOfShape %s : (tensor<2xi64>) -> tensor<*xf32>
  %1 = onnx.ConstantOfShape %s {value = dense<1> : tensor<1xi64>} : (tensor<2xi64>) -> tensor<*xi64>
  %shape = onnx.Shape %y : (tensor<?x4xf32>) -> tensor<2xi64>
  %2 = onnx.ConstantOfShape %shape {value = dense<true> : tensor<1xi1>} : (tensor<2xi64>) -> tensor<*xi1>
  %3 = onnx.ConstantOfShape %dyn : (tensor<?xi64>) -> tensor<*xf32>
  return
}

// CHECK-LABEL: func.func @range
// ceil((10 - 0) / 3) = 4
// CHECK: onnx.Range %{{.*}}, %{{.*}}, %{{.*}} : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<4xi64>
// ceil((1 - 0) / 0.25) = 4
// CHECK: onnx.Range %{{.*}}, %{{.*}}, %{{.*}} : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
// A limit below the start with a positive delta is empty.
// CHECK: onnx.Range %{{.*}}, %{{.*}}, %{{.*}} : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<0xi64>
// ceil((0 - 10) / -3) = 4
// CHECK: onnx.Range %{{.*}}, %{{.*}}, %{{.*}} : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<4xi64>
// CHECK: onnx.Range %{{.*}}, %{{.*}}, %{{.*}} : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
func.func @range(%n: tensor<i64>) {
  %c0 = onnx.Constant dense<0> : tensor<i64>
  %c10 = onnx.Constant dense<10> : tensor<i64>
  %c3 = onnx.Constant dense<3> : tensor<i64>
  %cm3 = onnx.Constant dense<-3> : tensor<i64>
  %f0 = onnx.Constant dense<0.0> : tensor<f32>
  %f1 = onnx.Constant dense<1.0> : tensor<f32>
  %fq = onnx.Constant dense<0.25> : tensor<f32>
  %0 = onnx.Range %c0, %c10, %c3 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<*xi64>
  %1 = onnx.Range %f0, %f1, %fq : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<*xf32>
  %2 = onnx.Range %c10, %c0, %c3 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<*xi64>
  %3 = onnx.Range %c10, %c0, %cm3 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<*xi64>
  %4 = onnx.Range %c0, %n, %c3 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<*xi64>
  return
}

// CHECK-LABEL: func.func @reduce_keepdims
// CHECK: onnx.ReduceMean %{{.*}} axes(%{{.*}}) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x3x1xf32>
// CHECK: onnx.ReduceSum %{{.*}} axes(%{{.*}}) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x3xf32>
// CHECK: onnx.ReduceMax %{{.*}} axes(%{{.*}}) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<3xf32>
// No axes: every axis is reduced.
// CHECK: onnx.ReduceMin %{{.*}} : (tensor<2x3x4xf32>) -> tensor<1x1x1xf32>
// CHECK: onnx.ReduceProd %{{.*}} {keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<f32>
// CHECK: onnx.ReduceL2 %{{.*}} axes(%{{.*}}) : (tensor<?x?x4xf32>, tensor<1xi64>) -> tensor<?x1x4xf32>
// CHECK: onnx.ReduceSumSquare %{{.*}} axes(%{{.*}}) : (tensor<2x3x4xf32>, tensor<?xi64>) -> tensor<*xf32>
func.func @reduce_keepdims(%x: tensor<2x3x4xf32>, %d: tensor<?x?x4xf32>, %dyn: tensor<?xi64>) {
  %last = onnx.Constant dense<-1> : tensor<1xi64>
  %first2 = onnx.Constant dense<[0, 2]> : tensor<2xi64>
  %mid = onnx.Constant dense<1> : tensor<1xi64>
  %0 = onnx.ReduceMean %x axes(%last) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<*xf32>
  %1 = onnx.ReduceSum %x axes(%last) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<*xf32>
  %2 = onnx.ReduceMax %x axes(%first2) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  %3 = onnx.ReduceMin %x : (tensor<2x3x4xf32>) -> tensor<*xf32>
  %4 = onnx.ReduceProd %x {keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> tensor<*xf32>
  %5 = onnx.ReduceL2 %d axes(%mid) : (tensor<?x?x4xf32>, tensor<1xi64>) -> tensor<*xf32>
  %6 = onnx.ReduceSumSquare %x axes(%dyn) : (tensor<2x3x4xf32>, tensor<?xi64>) -> tensor<*xf32>
  return
}

// noop_with_empty_axes = 1 and no (or empty) axes: the identity.
// CHECK-LABEL: func.func @reduce_noop_with_empty_axes
// CHECK: onnx.ReduceSum %{{.*}} {keepdims = 0 : i64, noop_with_empty_axes = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
// CHECK: onnx.ReduceMean %{{.*}} axes(%{{.*}}) {noop_with_empty_axes = 1 : i64} : (tensor<2x3x4xf32>, tensor<0xi64>) -> tensor<2x3x4xf32>
// Empty axes without noop reduce everything.
// CHECK: onnx.ReduceMean %{{.*}} axes(%{{.*}}) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<0xi64>) -> tensor<f32>
func.func @reduce_noop_with_empty_axes(%x: tensor<2x3x4xf32>) {
  %none = onnx.Constant dense<> : tensor<0xi64>
  %0 = onnx.ReduceSum %x {keepdims = 0 : i64, noop_with_empty_axes = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<*xf32>
  %1 = onnx.ReduceMean %x axes(%none) {noop_with_empty_axes = 1 : i64} : (tensor<2x3x4xf32>, tensor<0xi64>) -> tensor<*xf32>
  %2 = onnx.ReduceMean %x axes(%none) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<0xi64>) -> tensor<*xf32>
  return
}

// Mean and InvStdDev keep the dims before `axis` and are 1 from there on, in the stash type.
// CHECK-LABEL: func.func @layer_normalization_stats
// CHECK: onnx.LayerNormalization %{{.*}}, %{{.*}} B(%{{.*}}) : (tensor<?x?x32xf32>, tensor<32xf32>, tensor<32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x1xf32>, tensor<?x?x1xf32>)
// CHECK: onnx.LayerNormalization %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<?x?x32xf32>, tensor<32xf32>) -> (tensor<?x?x32xf32>, tensor<?x1x1xf32>, tensor<?x1x1xf32>)
// CHECK: onnx.LayerNormalization %{{.*}}, %{{.*}} : (tensor<2x8x32xf16>, tensor<32xf16>) -> (tensor<2x8x32xf16>, tensor<2x8x1xf32>, tensor<2x8x1xf32>)
func.func @layer_normalization_stats(%x: tensor<?x?x32xf32>, %s: tensor<32xf32>, %h: tensor<2x8x32xf16>, %hs: tensor<32xf16>) {
  %0:3 = onnx.LayerNormalization %x, %s B(%s) : (tensor<?x?x32xf32>, tensor<32xf32>, tensor<32xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  %1:3 = onnx.LayerNormalization %x, %s {axis = 1 : i64} : (tensor<?x?x32xf32>, tensor<32xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  %2:3 = onnx.LayerNormalization %h, %hs : (tensor<2x8x32xf16>, tensor<32xf16>) -> (tensor<*xf16>, tensor<*xf32>, tensor<*xf32>)
  return
}

// `to` is a TensorProto data type: 1 float, 7 int64, 9 bool, 10 float16, 16 bfloat16.
// CHECK-LABEL: func.func @cast
// CHECK: onnx.Cast %{{.*}} {to = 1 : i64} : (tensor<?x?xi64>) -> tensor<?x?xf32>
// CHECK: onnx.Cast %{{.*}} {to = 7 : i64} : (tensor<?x?xi64>) -> tensor<?x?xi64>
// CHECK: onnx.Cast %{{.*}} {to = 9 : i64} : (tensor<?x?xi64>) -> tensor<?x?xi1>
// CHECK: onnx.Cast %{{.*}} {to = 10 : i64} : (tensor<?x?xi64>) -> tensor<?x?xf16>
// CHECK: onnx.Cast %{{.*}} {to = 16 : i64} : (tensor<*xf32>) -> tensor<*xbf16>
func.func @cast(%x: tensor<?x?xi64>, %u: tensor<*xf32>) {
  %0 = onnx.Cast %x {to = 1 : i64} : (tensor<?x?xi64>) -> tensor<*xf32>
  %1 = onnx.Cast %x {to = 7 : i64} : (tensor<?x?xi64>) -> tensor<*xf32>
  %2 = onnx.Cast %x {to = 9 : i64} : (tensor<?x?xi64>) -> tensor<*xf32>
  %3 = onnx.Cast %x {to = 10 : i64} : (tensor<?x?xi64>) -> tensor<*xf32>
  %4 = onnx.Cast %u {to = 16 : i64} : (tensor<*xf32>) -> tensor<*xf32>
  return
}

// CHECK-LABEL: func.func @compare_to_bool
// CHECK: onnx.Equal %{{.*}}, %{{.*}} : (tensor<?x?xi64>, tensor<i64>) -> tensor<?x?xi1>
// CHECK: onnx.Less %{{.*}}, %{{.*}} : (tensor<4x1xf32>, tensor<3xf32>) -> tensor<4x3xi1>
// CHECK: onnx.GreaterOrEqual %{{.*}}, %{{.*}} : (tensor<4x1xf32>, tensor<3xf32>) -> tensor<4x3xi1>
// CHECK: onnx.And %{{.*}}, %{{.*}} : (tensor<4x3xi1>, tensor<4x3xi1>) -> tensor<4x3xi1>
func.func @compare_to_bool(%ids: tensor<?x?xi64>, %pad: tensor<i64>, %a: tensor<4x1xf32>, %b: tensor<3xf32>) {
  %0 = onnx.Equal %ids, %pad : (tensor<?x?xi64>, tensor<i64>) -> tensor<*xi1>
  %1 = onnx.Less %a, %b : (tensor<4x1xf32>, tensor<3xf32>) -> tensor<*xi1>
  %2 = onnx.GreaterOrEqual %a, %b : (tensor<4x1xf32>, tensor<3xf32>) -> tensor<*xi1>
  %3 = onnx.And %1, %2 : (tensor<*xi1>, tensor<*xi1>) -> tensor<*xi1>
  return
}

// CHECK-LABEL: func.func @where
// CHECK: onnx.Where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x1x1x?xi1>, tensor<?x4x?x?xf32>, tensor<f32>) -> tensor<?x4x?x?xf32>
// CHECK: onnx.Where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<8x8xi1>, tensor<1x4x8x8xf32>, tensor<f32>) -> tensor<1x4x8x8xf32>
func.func @where(%m: tensor<?x1x1x?xi1>, %s: tensor<?x4x?x?xf32>, %min: tensor<f32>, %causal: tensor<8x8xi1>, %t: tensor<1x4x8x8xf32>) {
  %0 = onnx.Where %m, %s, %min : (tensor<?x1x1x?xi1>, tensor<?x4x?x?xf32>, tensor<f32>) -> tensor<*xf32>
  %1 = onnx.Where %causal, %t, %min : (tensor<8x8xi1>, tensor<1x4x8x8xf32>, tensor<f32>) -> tensor<*xf32>
  return
}

// CHECK-LABEL: func.func @conv
// (32 + 1 + 1 - 3) / 2 + 1 = 16
// CHECK: onnx.Conv %{{.*}}, %{{.*}} {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x16x16xf32>
// Dilation 2 makes the 3x3 kernel span 5: 32 - 5 + 1 = 28.
// CHECK: onnx.Conv %{{.*}}, %{{.*}} {dilations = array<i64: 2, 2>} : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x28x28xf32>
// Patch embedding: 8x8 kernel, stride 8, with bias and a dynamic batch.
// CHECK: onnx.Conv %{{.*}}, %{{.*}} B(%{{.*}}) {strides = array<i64: 8, 8>} : (tensor<?x3x32x32xf32>, tensor<32x3x8x8xf32>, tensor<32xf32>) -> tensor<?x32x4x4xf32>
// Depthwise: 8 groups of one channel.
// CHECK: onnx.Conv %{{.*}}, %{{.*}} {group = 8 : i64} : (tensor<1x8x10x10xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32>
// SAME_UPPER: ceil(32 / 2).
// CHECK: onnx.Conv %{{.*}}, %{{.*}} {auto_pad = "SAME_UPPER", strides = array<i64: 2, 2>} : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<1x16x16x16xf32>
// 1-D, dynamic length.
// CHECK: onnx.Conv %{{.*}}, %{{.*}} : (tensor<2x4x?xf32>, tensor<6x4x3xf32>) -> tensor<2x6x?xf32>
func.func @conv(%x: tensor<1x3x32x32xf32>, %w: tensor<16x3x3x3xf32>, %img: tensor<?x3x32x32xf32>, %pw: tensor<32x3x8x8xf32>, %pb: tensor<32xf32>, %dx: tensor<1x8x10x10xf32>, %dw: tensor<8x1x3x3xf32>, %s: tensor<2x4x?xf32>, %sw: tensor<6x4x3xf32>) {
  %0 = onnx.Conv %x, %w {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<*xf32>
  %1 = onnx.Conv %x, %w {dilations = array<i64: 2, 2>} : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<*xf32>
  %2 = onnx.Conv %img, %pw B(%pb) {strides = array<i64: 8, 8>} : (tensor<?x3x32x32xf32>, tensor<32x3x8x8xf32>, tensor<32xf32>) -> tensor<*xf32>
  %3 = onnx.Conv %dx, %dw {group = 8 : i64} : (tensor<1x8x10x10xf32>, tensor<8x1x3x3xf32>) -> tensor<*xf32>
  %4 = onnx.Conv %x, %w {auto_pad = "SAME_UPPER", strides = array<i64: 2, 2>} : (tensor<1x3x32x32xf32>, tensor<16x3x3x3xf32>) -> tensor<*xf32>
  %5 = onnx.Conv %s, %sw : (tensor<2x4x?xf32>, tensor<6x4x3xf32>) -> tensor<*xf32>
  return
}

// CHECK-LABEL: func.func @einsum
// CHECK: onnx.Einsum %{{.*}}, %{{.*}} {equation = "bhqd,bhkd->bhqk"} : (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>) -> tensor<?x4x?x?xf32>
// CHECK: onnx.Einsum %{{.*}}, %{{.*}} {equation = "bhqd,bhkd->bhqk"} : (tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>) -> tensor<2x4x5x7xf32>
// Implicit output: the labels that appear once, in alphabetical order.
// CHECK: onnx.Einsum %{{.*}}, %{{.*}} {equation = "ij,jk"} : (tensor<3x5xf32>, tensor<5x2xf32>) -> tensor<3x2xf32>
// CHECK: onnx.Einsum %{{.*}} {equation = "ii->i"} : (tensor<4x4xf32>) -> tensor<4xf32>
func.func @einsum(%q: tensor<?x4x?x8xf32>, %k: tensor<?x4x?x8xf32>, %sq: tensor<2x4x5x8xf32>, %sk: tensor<2x4x7x8xf32>, %a: tensor<3x5xf32>, %b: tensor<5x2xf32>, %m: tensor<4x4xf32>) {
  %0 = onnx.Einsum %q, %k {equation = "bhqd,bhkd->bhqk"} : (tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>) -> tensor<*xf32>
  %1 = onnx.Einsum %sq, %sk {equation = "bhqd,bhkd->bhqk"} : (tensor<2x4x5x8xf32>, tensor<2x4x7x8xf32>) -> tensor<*xf32>
  %2 = onnx.Einsum %a, %b {equation = "ij,jk"} : (tensor<3x5xf32>, tensor<5x2xf32>) -> tensor<*xf32>
  %3 = onnx.Einsum %m {equation = "ii->i"} : (tensor<4x4xf32>) -> tensor<*xf32>
  return
}

// CHECK-LABEL: func.func @pad
// pads are [begin..., end...].
// CHECK: onnx.Pad %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<4x7xf32>
// CHECK: onnx.Pad %{{.*}}, %{{.*}} axes(%{{.*}}) : (tensor<2x3xf32>, tensor<2xi64>, tensor<1xi64>) -> tensor<2x5xf32>
// Negative pads crop.
// CHECK: onnx.Pad %{{.*}}, %{{.*}} constant_value(%{{.*}}) : (tensor<?x8xf32>, tensor<4xi64>, tensor<f32>) -> tensor<?x5xf32>
// CHECK: onnx.Pad %{{.*}}, %{{.*}} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<?x?xf32>
func.func @pad(%x: tensor<2x3xf32>, %d: tensor<?x8xf32>, %v: tensor<f32>, %dyn: tensor<4xi64>) {
  %p = onnx.Constant dense<[1, 2, 1, 2]> : tensor<4xi64>
  %p1 = onnx.Constant dense<[1, 1]> : tensor<2xi64>
  %ax = onnx.Constant dense<-1> : tensor<1xi64>
  %crop = onnx.Constant dense<[0, 0, 1, -3]> : tensor<4xi64>
  %0 = onnx.Pad %x, %p : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<*xf32>
  %1 = onnx.Pad %x, %p1 axes(%ax) : (tensor<2x3xf32>, tensor<2xi64>, tensor<1xi64>) -> tensor<*xf32>
  %2 = onnx.Pad %d, %crop constant_value(%v) : (tensor<?x8xf32>, tensor<4xi64>, tensor<f32>) -> tensor<*xf32>
  %3 = onnx.Pad %x, %dyn : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<*xf32>
  return
}

// Each op sees its operands' refined types, and the signature follows the returned values.
// CHECK-LABEL: func.func @signature_update
// CHECK-SAME: (%{{.*}}: tensor<?x?x32xf32>, %{{.*}}: tensor<32x64xf32>) -> (tensor<?x?x64xf32>, tensor<?x?x1xf32>)
// CHECK: onnx.MatMul %{{.*}}, %{{.*}} : (tensor<?x?x32xf32>, tensor<32x64xf32>) -> tensor<?x?x64xf32>
// CHECK: onnx.Relu %{{.*}} : (tensor<?x?x64xf32>) -> tensor<?x?x64xf32>
// CHECK: onnx.ReduceMean %{{.*}} axes(%{{.*}}) : (tensor<?x?x64xf32>, tensor<1xi64>) -> tensor<?x?x1xf32>
// CHECK: return %{{.*}}, %{{.*}} : tensor<?x?x64xf32>, tensor<?x?x1xf32>
func.func @signature_update(%x: tensor<?x?x32xf32>, %w: tensor<32x64xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %last = onnx.Constant dense<-1> : tensor<1xi64>
  %0 = onnx.MatMul %x, %w : (tensor<?x?x32xf32>, tensor<32x64xf32>) -> tensor<*xf32>
  %1 = onnx.Relu %0 : (tensor<*xf32>) -> tensor<*xf32>
  %2 = onnx.ReduceMean %1 axes(%last) : (tensor<*xf32>, tensor<1xi64>) -> tensor<*xf32>
  return %1, %2 : tensor<*xf32>, tensor<*xf32>
}

// A dim the existing type declares (from value_info) survives when inference cannot tell.
// CHECK-LABEL: func.func @keeps_declared_dims
// CHECK-SAME: -> tensor<?x16xf32>
// CHECK: onnx.MatMul %{{.*}}, %{{.*}} : (tensor<?x?xf32>, tensor<?x?xf32>) -> tensor<?x16xf32>
func.func @keeps_declared_dims(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>) -> tensor<*xf32> {
  %0 = onnx.MatMul %a, %b : (tensor<?x?xf32>, tensor<?x?xf32>) -> tensor<?x16xf32>
  %1 = onnx.Cast %0 {to = 1 : i64} : (tensor<?x16xf32>) -> tensor<*xf32>
  return %1 : tensor<*xf32>
}

// Ops of other dialects are left alone.
// CHECK-LABEL: func.func @negative_other_dialects
// CHECK: tensor.cast %{{.*}} : tensor<4xf32> to tensor<*xf32>
// CHECK: onnx.Relu %{{.*}} : (tensor<*xf32>) -> tensor<*xf32>
func.func @negative_other_dialects(%x: tensor<4xf32>) -> tensor<*xf32> {
  %0 = tensor.cast %x : tensor<4xf32> to tensor<*xf32>
  %1 = onnx.Relu %0 : (tensor<*xf32>) -> tensor<*xf32>
  return %1 : tensor<*xf32>
}
