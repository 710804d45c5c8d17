// RUN: kiln-opt %s --pass-pipeline='builtin.module(kiln-stage-onnx)' | FileCheck %s
// The kiln-stage-onnx pipeline (shape inference, folding, CSE) collapses the shape
// computations exporters emit, and evaluates small constant expressions.

// Shape -> Gather -> Unsqueeze -> Concat -> Reshape with static input dims: the shape operand
// becomes one constant and every op computing it goes away.
// CHECK-LABEL: func.func @static_shape_chain_folds
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x32xf32>) -> tensor<2x8x4x8xf32>
// CHECK-NOT: onnx.Shape
// CHECK-NEXT: %[[SHAPE:.*]] = onnx.Constant dense<[2, 8, 4, 8]> : tensor<4xi64>
// CHECK-NEXT: %[[R:.*]] = onnx.Reshape %[[X]], %[[SHAPE]] : (tensor<2x8x32xf32>, tensor<4xi64>) -> tensor<2x8x4x8xf32>
// CHECK-NEXT: return %[[R]]
func.func @static_shape_chain_folds(%x: tensor<2x8x32xf32>) -> tensor<*xf32> {
  %zero = onnx.Constant dense<0> : tensor<i64>
  %one = onnx.Constant dense<1> : tensor<i64>
  %axis0 = onnx.Constant dense<0> : tensor<1xi64>
  %four = onnx.Constant dense<4> : tensor<1xi64>
  %eight = onnx.Constant dense<8> : tensor<1xi64>
  %shape = onnx.Shape %x : (tensor<2x8x32xf32>) -> tensor<*xi64>
  %b = onnx.Gather %shape, %zero : (tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  %ub = onnx.Unsqueeze %b, %axis0 : (tensor<*xi64>, tensor<1xi64>) -> tensor<*xi64>
  %shape2 = onnx.Shape %x : (tensor<2x8x32xf32>) -> tensor<*xi64>
  %s = onnx.Gather %shape2, %one : (tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  %us = onnx.Unsqueeze %s, %axis0 : (tensor<*xi64>, tensor<1xi64>) -> tensor<*xi64>
  %cat = onnx.Concat %ub, %us, %four, %eight {axis = 0 : i64} : (tensor<*xi64>, tensor<*xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xi64>
  %0 = onnx.Reshape %x, %cat : (tensor<2x8x32xf32>, tensor<*xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// With a dynamic batch dim only the batch part of the chain stays; the known sequence dim
// folds to a constant, the two Shape ops are merged, and the Reshape is partially static.
// CHECK-LABEL: func.func @dynamic_batch_keeps_dynamic_part
// CHECK-SAME: (%[[X:.*]]: tensor<?x8x32xf32>) -> tensor<?x8x4x8xf32>
// CHECK: %[[SHAPE:.*]] = onnx.Shape %[[X]] : (tensor<?x8x32xf32>) -> tensor<3xi64>
// CHECK-NOT: onnx.Shape
// CHECK: %[[B:.*]] = onnx.Gather %[[SHAPE]], %{{.*}} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
// CHECK-NOT: onnx.Gather
// CHECK: %[[UB:.*]] = onnx.Unsqueeze %[[B]], %{{.*}} : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
// CHECK: %[[CAT:.*]] = onnx.Concat %[[UB]], %[[EIGHT:.*]], %{{.*}}, %[[EIGHT]] {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
// CHECK: onnx.Reshape %[[X]], %[[CAT]] : (tensor<?x8x32xf32>, tensor<4xi64>) -> tensor<?x8x4x8xf32>
func.func @dynamic_batch_keeps_dynamic_part(%x: tensor<?x8x32xf32>) -> tensor<*xf32> {
  %zero = onnx.Constant dense<0> : tensor<i64>
  %one = onnx.Constant dense<1> : tensor<i64>
  %axis0 = onnx.Constant dense<0> : tensor<1xi64>
  %four = onnx.Constant dense<4> : tensor<1xi64>
  %eight = onnx.Constant dense<8> : tensor<1xi64>
  %shape = onnx.Shape %x : (tensor<?x8x32xf32>) -> tensor<*xi64>
  %b = onnx.Gather %shape, %zero : (tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  %ub = onnx.Unsqueeze %b, %axis0 : (tensor<*xi64>, tensor<1xi64>) -> tensor<*xi64>
  %shape2 = onnx.Shape %x : (tensor<?x8x32xf32>) -> tensor<*xi64>
  %s = onnx.Gather %shape2, %one : (tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  %us = onnx.Unsqueeze %s, %axis0 : (tensor<*xi64>, tensor<1xi64>) -> tensor<*xi64>
  %cat = onnx.Concat %ub, %us, %four, %eight {axis = 0 : i64} : (tensor<*xi64>, tensor<*xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xi64>
  %0 = onnx.Reshape %x, %cat : (tensor<?x8x32xf32>, tensor<*xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// The position ids of bert_tiny: Range(0, Cast(Gather(Shape(ids), 1)), 1) with a static
// sequence length is a constant.
// CHECK-LABEL: func.func @static_position_ids
// CHECK-NEXT: %[[IDS:.*]] = onnx.Constant dense<[0, 1, 2, 3, 4]> : tensor<5xi64>
// CHECK-NEXT: return %[[IDS]] : tensor<5xi64>
func.func @static_position_ids(%ids: tensor<2x5xi64>) -> tensor<*xi64> {
  %one = onnx.Constant dense<1> : tensor<i64>
  %zero = onnx.Constant dense<0> : tensor<i64>
  %shape = onnx.Shape %ids : (tensor<2x5xi64>) -> tensor<*xi64>
  %seq = onnx.Gather %shape, %one : (tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  %n = onnx.Cast %seq {to = 7 : i64} : (tensor<*xi64>) -> tensor<*xi64>
  %0 = onnx.Range %zero, %n, %one : (tensor<i64>, tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  return %0 : tensor<*xi64>
}

// Shape with start/end and Slice of a shape value fold too.
// CHECK-LABEL: func.func @shape_slices_fold
// CHECK-NOT: onnx.Shape
// CHECK-DAG: %[[TAIL:.*]] = onnx.Constant dense<[4, 8]> : tensor<2xi64>
// CHECK-DAG: %[[LAST:.*]] = onnx.Constant dense<8> : tensor<1xi64>
// CHECK-NOT: onnx.Slice
// CHECK: return %[[TAIL]], %[[LAST]]
func.func @shape_slices_fold(%x: tensor<?x4x8xf32>) -> (tensor<*xi64>, tensor<*xi64>) {
  %start = onnx.Constant dense<-1> : tensor<1xi64>
  %end = onnx.Constant dense<9223372036854775807> : tensor<1xi64>
  %tail = onnx.Shape %x {start = 1 : i64} : (tensor<?x4x8xf32>) -> tensor<*xi64>
  %all = onnx.Shape %x : (tensor<?x4x8xf32>) -> tensor<*xi64>
  %last = onnx.Slice %all, %start, %end : (tensor<*xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xi64>
  return %tail, %last : tensor<*xi64>, tensor<*xi64>
}

// CHECK-LABEL: func.func @integer_arithmetic_folds
// CHECK-DAG: %[[ADD:.*]] = onnx.Constant dense<[8, -5]> : tensor<2xi64>
// CHECK-DAG: %[[MUL:.*]] = onnx.Constant dense<[12, -14]> : tensor<2xi64>
// Integer division truncates towards zero.
// CHECK-DAG: %[[DIV:.*]] = onnx.Constant dense<[3, -3]> : tensor<2xi64>
// CHECK-DAG: %[[SUB:.*]] = onnx.Constant dense<[-4, 9]> : tensor<2xi64>
// CHECK-NOT: onnx.{{Add|Mul|Div|Sub}}
// CHECK: return %[[ADD]], %[[MUL]], %[[DIV]], %[[SUB]] : tensor<2xi64>, tensor<2xi64>, tensor<2xi64>, tensor<2xi64>
func.func @integer_arithmetic_folds() -> (tensor<*xi64>, tensor<*xi64>, tensor<*xi64>, tensor<*xi64>) {
  %a = onnx.Constant dense<[6, -7]> : tensor<2xi64>
  %b = onnx.Constant dense<2> : tensor<i64>
  %0 = onnx.Add %a, %b : (tensor<2xi64>, tensor<i64>) -> tensor<*xi64>
  %1 = onnx.Mul %a, %b : (tensor<2xi64>, tensor<i64>) -> tensor<*xi64>
  %2 = onnx.Div %a, %b : (tensor<2xi64>, tensor<i64>) -> tensor<*xi64>
  %3 = onnx.Sub %b, %a : (tensor<i64>, tensor<2xi64>) -> tensor<*xi64>
  return %0, %1, %2, %3 : tensor<*xi64>, tensor<*xi64>, tensor<*xi64>, tensor<*xi64>
}

// Broadcasting [2, 1] against [3].
// CHECK-LABEL: func.func @broadcast_arithmetic_folds
// CHECK: %[[R:.*]] = onnx.Constant dense<{{\[}}[11, 21, 31], [12, 22, 32]]> : tensor<2x3xi64>
// CHECK: return %[[R]]
func.func @broadcast_arithmetic_folds() -> tensor<*xi64> {
  %a = onnx.Constant dense<[[1], [2]]> : tensor<2x1xi64>
  %b = onnx.Constant dense<[10, 20, 30]> : tensor<3xi64>
  %0 = onnx.Add %a, %b : (tensor<2x1xi64>, tensor<3xi64>) -> tensor<*xi64>
  return %0 : tensor<*xi64>
}

// CHECK-LABEL: func.func @float_arithmetic_folds
// CHECK: %[[R:.*]] = onnx.Constant dense<[1.500000e+00, -2.500000e+00]> : tensor<2xf32>
// CHECK: return %[[R]]
func.func @float_arithmetic_folds() -> tensor<*xf32> {
  %a = onnx.Constant dense<[3.0, -5.0]> : tensor<2xf32>
  %b = onnx.Constant dense<2.0> : tensor<f32>
  %0 = onnx.Div %a, %b : (tensor<2xf32>, tensor<f32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// CHECK-LABEL: func.func @cast_equal_where_fold
// CHECK-DAG: %[[F:.*]] = onnx.Constant dense<[6.000000e+00, -7.000000e+00, 2.000000e+00]> : tensor<3xf32>
// CHECK-DAG: %[[EQ:.*]] = onnx.Constant dense<[false, false, true]> : tensor<3xi1>
// CHECK-DAG: %[[SEL:.*]] = onnx.Constant dense<[0, 0, 2]> : tensor<3xi64>
// CHECK-NOT: onnx.{{Cast|Equal|Where}}
// CHECK: return %[[F]], %[[EQ]], %[[SEL]]
func.func @cast_equal_where_fold() -> (tensor<*xf32>, tensor<*xi1>, tensor<*xi64>) {
  %a = onnx.Constant dense<[6, -7, 2]> : tensor<3xi64>
  %b = onnx.Constant dense<2> : tensor<i64>
  %z = onnx.Constant dense<0> : tensor<i64>
  %0 = onnx.Cast %a {to = 1 : i64} : (tensor<3xi64>) -> tensor<*xf32>
  %1 = onnx.Equal %a, %b : (tensor<3xi64>, tensor<i64>) -> tensor<*xi1>
  %2 = onnx.Where %1, %a, %z : (tensor<*xi1>, tensor<3xi64>, tensor<i64>) -> tensor<*xi64>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xi1>, tensor<*xi64>
}

// Float to integer casts truncate towards zero.
// CHECK-LABEL: func.func @cast_float_to_int_folds
// CHECK: onnx.Constant dense<[2, -2, 0]> : tensor<3xi32>
func.func @cast_float_to_int_folds() -> tensor<*xi32> {
  %a = onnx.Constant dense<[2.7, -2.7, 0.5]> : tensor<3xf32>
  %0 = onnx.Cast %a {to = 6 : i64} : (tensor<3xf32>) -> tensor<*xi32>
  return %0 : tensor<*xi32>
}

// CHECK-LABEL: func.func @range_slice_concat_fold
// CHECK-DAG: %[[RANGE:.*]] = onnx.Constant dense<[0, 3, 6, 9]> : tensor<4xi64>
// [3:0:-1] of the range: 9, 6, 3.
// CHECK-DAG: %[[REV:.*]] = onnx.Constant dense<[9, 6, 3]> : tensor<3xi64>
// CHECK-DAG: %[[CAT:.*]] = onnx.Constant dense<[0, 3, 6, 9, 9, 6, 3]> : tensor<7xi64>
// CHECK-DAG: %[[COLS:.*]] = onnx.Constant dense<{{\[}}[2.000000e+00], [4.000000e+00]]> : tensor<2x1xf32>
// CHECK-NOT: onnx.{{Range|Slice|Concat}}
// CHECK: return %[[RANGE]], %[[REV]], %[[CAT]], %[[COLS]]
func.func @range_slice_concat_fold() -> (tensor<*xi64>, tensor<*xi64>, tensor<*xi64>, tensor<*xf32>) {
  %c0 = onnx.Constant dense<0> : tensor<i64>
  %c10 = onnx.Constant dense<10> : tensor<i64>
  %c3 = onnx.Constant dense<3> : tensor<i64>
  %s = onnx.Constant dense<3> : tensor<1xi64>
  %e = onnx.Constant dense<0> : tensor<1xi64>
  %step = onnx.Constant dense<-1> : tensor<1xi64>
  %one = onnx.Constant dense<1> : tensor<1xi64>
  %two = onnx.Constant dense<2> : tensor<1xi64>
  %m = onnx.Constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %0 = onnx.Range %c0, %c10, %c3 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<*xi64>
  %1 = onnx.Slice %0, %s, %e axes(%e) steps(%step) : (tensor<*xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xi64>
  %2 = onnx.Concat %0, %1 {axis = 0 : i64} : (tensor<*xi64>, tensor<*xi64>) -> tensor<*xi64>
  %3 = onnx.Slice %m, %one, %two axes(%one) : (tensor<2x2xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  return %0, %1, %2, %3 : tensor<*xi64>, tensor<*xi64>, tensor<*xi64>, tensor<*xf32>
}

// CHECK-LABEL: func.func @gather_reshape_expand_fold
// CHECK-DAG: %[[G:.*]] = onnx.Constant dense<{{\[}}[3, 4], [1, 2]]> : tensor<2x2xi64>
// CHECK-DAG: %[[R:.*]] = onnx.Constant dense<[1, 2, 3, 4]> : tensor<4xi64>
// CHECK-DAG: %[[E:.*]] = onnx.Constant dense<{{\[}}[1, 2], [1, 2], [1, 2]]> : tensor<3x2xi64>
// CHECK: return %[[G]], %[[R]], %[[E]]
func.func @gather_reshape_expand_fold() -> (tensor<*xi64>, tensor<*xi64>, tensor<*xi64>) {
  %m = onnx.Constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %idx = onnx.Constant dense<[1, -2]> : tensor<2xi64>
  %flat = onnx.Constant dense<-1> : tensor<1xi64>
  %row = onnx.Constant dense<[1, 2]> : tensor<2xi64>
  %shape = onnx.Constant dense<[3, 2]> : tensor<2xi64>
  %0 = onnx.Gather %m, %idx : (tensor<2x2xi64>, tensor<2xi64>) -> tensor<*xi64>
  %1 = onnx.Reshape %m, %flat : (tensor<2x2xi64>, tensor<1xi64>) -> tensor<*xi64>
  %2 = onnx.Expand %row, %shape : (tensor<2xi64>, tensor<2xi64>) -> tensor<*xi64>
  return %0, %1, %2 : tensor<*xi64>, tensor<*xi64>, tensor<*xi64>
}

// A small ConstantOfShape becomes a splat constant.
// CHECK-LABEL: func.func @small_constant_of_shape_folds
// CHECK-NEXT: %[[R:.*]] = onnx.Constant dense<1> : tensor<2x3xi64>
// CHECK-NEXT: return %[[R]]
func.func @small_constant_of_shape_folds() -> tensor<*xi64> {
  %s = onnx.Constant dense<[2, 3]> : tensor<2xi64>
  %0 = onnx.ConstantOfShape %s {value = dense<1> : tensor<1xi64>} : (tensor<2xi64>) -> tensor<*xi64>
  return %0 : tensor<*xi64>
}

// 1000 x 1000 = 10^6 elements is more than folding may materialise (65536 by default).
// CHECK-LABEL: func.func @negative_big_constant_of_shape
// CHECK: %[[S:.*]] = onnx.Constant dense<1000> : tensor<2xi64>
// CHECK: %[[R:.*]] = onnx.ConstantOfShape %[[S]] : (tensor<2xi64>) -> tensor<1000x1000xf32>
// CHECK: return %[[R]]
func.func @negative_big_constant_of_shape() -> tensor<*xf32> {
  %s = onnx.Constant dense<[1000, 1000]> : tensor<2xi64>
  %0 = onnx.ConstantOfShape %s : (tensor<2xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// Past the limit, arithmetic on constants is not evaluated either.
// CHECK-LABEL: func.func @negative_big_elementwise
// CHECK: onnx.Add %{{.*}}, %{{.*}} : (tensor<300x300xf32>, tensor<f32>) -> tensor<300x300xf32>
func.func @negative_big_elementwise() -> tensor<*xf32> {
  %a = onnx.Constant dense<1.0> : tensor<300x300xf32>
  %b = onnx.Constant dense<2.0> : tensor<f32>
  %0 = onnx.Add %a, %b : (tensor<300x300xf32>, tensor<f32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// Integer division by zero is left to run time.
// CHECK-LABEL: func.func @negative_integer_division_by_zero
// CHECK: onnx.Div %{{.*}}, %{{.*}} : (tensor<2xi64>, tensor<i64>) -> tensor<2xi64>
func.func @negative_integer_division_by_zero() -> tensor<*xi64> {
  %a = onnx.Constant dense<[6, 7]> : tensor<2xi64>
  %b = onnx.Constant dense<0> : tensor<i64>
  %0 = onnx.Div %a, %b : (tensor<2xi64>, tensor<i64>) -> tensor<*xi64>
  return %0 : tensor<*xi64>
}

// Weights (dense_resource) are never read by folders.
// CHECK-LABEL: func.func @negative_dense_resource_not_folded
// CHECK: %[[W:.*]] = onnx.Constant dense_resource<w> : tensor<2xf32>
// CHECK: onnx.Mul %[[W]], %{{.*}} : (tensor<2xf32>, tensor<f32>) -> tensor<2xf32>
func.func @negative_dense_resource_not_folded() -> tensor<*xf32> {
  %w = onnx.Constant dense_resource<w> : tensor<2xf32>
  %b = onnx.Constant dense<2.0> : tensor<f32>
  %0 = onnx.Mul %w, %b : (tensor<2xf32>, tensor<f32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// A dim that is not known at compile time keeps its Shape op.
// CHECK-LABEL: func.func @negative_dynamic_dim_not_folded
// CHECK: %[[SHAPE:.*]] = onnx.Shape %{{.*}} : (tensor<?x4xf32>) -> tensor<2xi64>
// CHECK: onnx.Gather %[[SHAPE]], %{{.*}} : (tensor<2xi64>, tensor<i64>) -> tensor<i64>
func.func @negative_dynamic_dim_not_folded(%x: tensor<?x4xf32>) -> tensor<*xi64> {
  %zero = onnx.Constant dense<0> : tensor<i64>
  %shape = onnx.Shape %x : (tensor<?x4xf32>) -> tensor<*xi64>
  %0 = onnx.Gather %shape, %zero : (tensor<*xi64>, tensor<i64>) -> tensor<*xi64>
  return %0 : tensor<*xi64>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F00000040"
    }
  }
#-}
