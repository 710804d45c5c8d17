// RUN: kiln-opt %s -split-input-file --kiln-convert-onnx-to-linalg | FileCheck %s
// Elementwise onnx ops become one linalg.generic over the broadcast result shape: operands are
// right-aligned, a dim that is statically 1 reads index 0, dynamic result dims are read with
// tensor.dim from an operand, f16/bf16 arithmetic runs in f32, and exact ops stay in their type.

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @add_rank_extended_operand
// CHECK-SAME: (%[[A:.*]]: tensor<2x3xf32>, %[[B:.*]]: tensor<3xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<2x3xf32>
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<2x3xf32>, tensor<3xf32>) outs(%[[E]] : tensor<2x3xf32>)
// CHECK: ^bb0(%[[X:.*]]: f32, %[[Y:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[S:.*]] = arith.addf %[[X]], %[[Y]] : f32
// CHECK: linalg.yield %[[S]] : f32
// CHECK: return %[[R]]
func.func @add_rank_extended_operand(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.Add %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Static 1-dims on both sides broadcast to an outer product; a scalar operand reads nothing.
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (0, d2)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1, d2) -> ()>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @sub_static_one_dims_broadcast
// CHECK: linalg.generic {indexing_maps = [#[[COL]], #[[ROW]], #[[ID]]]
// CHECK: arith.subf
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[SCALAR]], #[[ID]]]
// CHECK: arith.mulf
func.func @sub_static_one_dims_broadcast(%a: tensor<2x4x1xf32>, %b: tensor<1x5xf32>, %s: tensor<f32>) -> tensor<2x4x5xf32> {
  %0 = onnx.Sub %a, %b : (tensor<2x4x1xf32>, tensor<1x5xf32>) -> tensor<2x4x5xf32>
  %1 = onnx.Mul %0, %s : (tensor<2x4x5xf32>, tensor<f32>) -> tensor<2x4x5xf32>
  return %1 : tensor<2x4x5xf32>
}

// -----

// A 1-dim that is also 1 in the result is not a broadcast.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @negative_one_dim_not_broadcast
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]]]
func.func @negative_one_dim_not_broadcast(%a: tensor<1x3xf32>, %b: tensor<1x3xf32>) -> tensor<1x3xf32> {
  %0 = onnx.Div %a, %b : (tensor<1x3xf32>, tensor<1x3xf32>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

// Dynamic result dims are read from the first operand whose aligned dim is not a static 1.
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @add_dynamic_dims
// CHECK-SAME: (%[[A:.*]]: tensor<?x1xf32>, %[[B:.*]]: tensor<1x?xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[D0:.*]] = tensor.dim %[[A]], %[[C0]] : tensor<?x1xf32>
// CHECK-DAG: %[[D1:.*]] = tensor.dim %[[B]], %[[C1]] : tensor<1x?xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[D0]], %[[D1]]) : tensor<?x?xf32>
// CHECK: linalg.generic {indexing_maps = [#[[COL]], #[[ROW]], #[[ID]]]
// CHECK-SAME: outs(%[[E]] : tensor<?x?xf32>)
func.func @add_dynamic_dims(%a: tensor<?x1xf32>, %b: tensor<1x?xf32>) -> tensor<?x?xf32> {
  %0 = onnx.Add %a, %b : (tensor<?x1xf32>, tensor<1x?xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// A dynamic operand dim is taken to equal the result's (never broadcast).
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @max_dynamic_operand_dim_not_broadcast
// CHECK-SAME: (%[[A:.*]]: tensor<?x?xf32>, %[[B:.*]]: tensor<?xf32>)
// CHECK: %[[D0:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x?xf32>
// CHECK: %[[D1:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x?xf32>
// CHECK: tensor.empty(%[[D0]], %[[D1]])
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]]
// CHECK: arith.maximumf
func.func @max_dynamic_operand_dim_not_broadcast(%a: tensor<?x?xf32>, %b: tensor<?xf32>) -> tensor<?x?xf32> {
  %0 = onnx.Max %a, %b : (tensor<?x?xf32>, tensor<?xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// f16 arithmetic is computed in f32 and rounded once.
// CHECK-LABEL: func.func @add_f16_computed_in_f32
// CHECK: ^bb0(%[[X:.*]]: f16, %[[Y:.*]]: f16, %{{.*}}: f16):
// CHECK: %[[XW:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK: %[[YW:.*]] = arith.extf %[[Y]] : f16 to f32
// CHECK: %[[S:.*]] = arith.addf %[[XW]], %[[YW]] : f32
// CHECK: %[[N:.*]] = arith.truncf %[[S]] : f32 to f16
// CHECK: linalg.yield %[[N]] : f16
// CHECK: -> tensor<4xf16>
func.func @add_f16_computed_in_f32(%a: tensor<4xf16>, %b: tensor<4xf16>) -> tensor<4xf16> {
  %0 = onnx.Add %a, %b : (tensor<4xf16>, tensor<4xf16>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

// CHECK-LABEL: func.func @erf_bf16_computed_in_f32
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: math.erf %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to bf16
func.func @erf_bf16_computed_in_f32(%a: tensor<4xbf16>) -> tensor<4xbf16> {
  %0 = onnx.Erf %a : (tensor<4xbf16>) -> tensor<4xbf16>
  return %0 : tensor<4xbf16>
}

// -----

// Where selects in the operands' own type: no widening of f16.
// CHECK-DAG: #[[COND:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @where_f16_exact
// CHECK: linalg.generic {indexing_maps = [#[[COND]], #[[ID]], #[[SCALAR]], #[[ID]]]
// CHECK: ^bb0(%[[C:.*]]: i1, %[[X:.*]]: f16, %[[Y:.*]]: f16, %{{.*}}: f16):
// CHECK-NOT: arith.extf
// CHECK: %[[S:.*]] = arith.select %[[C]], %[[X]], %[[Y]] : f16
// CHECK: linalg.yield %[[S]] : f16
func.func @where_f16_exact(%c: tensor<3xi1>, %x: tensor<2x3xf16>, %y: tensor<f16>) -> tensor<2x3xf16> {
  %0 = onnx.Where %c, %x, %y : (tensor<3xi1>, tensor<2x3xf16>, tensor<f16>) -> tensor<2x3xf16>
  return %0 : tensor<2x3xf16>
}

// -----

// Comparisons yield i1: cmpf (ordered predicates) on floats, signed cmpi on integers.
// CHECK-LABEL: func.func @comparisons_yield_i1
// CHECK: arith.cmpf oeq, %{{.*}}, %{{.*}} : f32
// CHECK-NEXT: linalg.yield %{{.*}} : i1
// CHECK: -> tensor<3xi1>
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf ole
// CHECK: arith.cmpf ogt
// CHECK: arith.cmpf oge
// CHECK: arith.cmpi slt, %{{.*}}, %{{.*}} : i64
// CHECK-NEXT: linalg.yield %{{.*}} : i1
func.func @comparisons_yield_i1(%a: tensor<3xf32>, %b: tensor<3xf32>, %i: tensor<3xi64>, %j: tensor<3xi64>)
    -> (tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>) {
  %0 = onnx.Equal %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  %1 = onnx.Less %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  %2 = onnx.LessOrEqual %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  %3 = onnx.Greater %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  %4 = onnx.GreaterOrEqual %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  %5 = onnx.Less %i, %j : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi1>
  return %0, %1, %2, %3, %4, %5 : tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>
}

// -----

// Comparing f16 values needs no widening.
// CHECK-LABEL: func.func @equal_f16_exact
// CHECK-NOT: arith.extf
// CHECK: arith.cmpf oeq, %{{.*}}, %{{.*}} : f16
func.func @equal_f16_exact(%a: tensor<3xf16>, %b: tensor<3xf16>) -> tensor<3xi1> {
  %0 = onnx.Equal %a, %b : (tensor<3xf16>, tensor<3xf16>) -> tensor<3xi1>
  return %0 : tensor<3xi1>
}

// -----

// CHECK-LABEL: func.func @logic_on_i1
// CHECK: arith.andi %{{.*}}, %{{.*}} : i1
// CHECK: arith.ori %{{.*}}, %{{.*}} : i1
// CHECK: %[[T:.*]] = arith.constant true
// CHECK: arith.xori %{{.*}}, %[[T]] : i1
func.func @logic_on_i1(%a: tensor<3xi1>, %b: tensor<3xi1>) -> tensor<3xi1> {
  %0 = onnx.And %a, %b : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  %1 = onnx.Or %0, %b : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  %2 = onnx.Not %1 : (tensor<3xi1>) -> tensor<3xi1>
  return %2 : tensor<3xi1>
}

// -----

// Integer arithmetic uses signed ops.
// CHECK-LABEL: func.func @integer_arithmetic
// CHECK: arith.addi %{{.*}}, %{{.*}} : i32
// CHECK: arith.divsi %{{.*}}, %{{.*}} : i32
// CHECK: arith.maxsi %{{.*}}, %{{.*}} : i32
// CHECK: arith.minsi %{{.*}}, %{{.*}} : i32
// CHECK: math.absi %{{.*}} : i32
// CHECK: %[[Z:.*]] = arith.constant 0 : i32
// CHECK: arith.subi %[[Z]], %{{.*}} : i32
func.func @integer_arithmetic(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = onnx.Add %a, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %1 = onnx.Div %0, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %2 = onnx.Max %1, %a : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %3 = onnx.Min %2, %b : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  %4 = onnx.Abs %3 : (tensor<4xi32>) -> tensor<4xi32>
  %5 = onnx.Neg %4 : (tensor<4xi32>) -> tensor<4xi32>
  return %5 : tensor<4xi32>
}

// -----

// The scalar bodies of the float unary ops and of Pow, Max, Min.
// CHECK-LABEL: func.func @float_unary_and_binary_bodies
// CHECK: math.powf %{{.*}}, %{{.*}} : f32
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: math.ceil
// CHECK: math.floor
// CHECK: math.cos
// CHECK: math.sin
// CHECK: math.exp
// CHECK: math.log
// CHECK: math.sqrt
// CHECK: math.tanh
// CHECK: math.absf
// CHECK: arith.negf
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: arith.divf %[[ONE]], %{{.*}} : f32
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: arith.maximumf %{{.*}}, %[[ZERO]] : f32
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[NEG:.*]] = arith.negf %[[X]] : f32
// CHECK: %[[E:.*]] = math.exp %[[NEG]] : f32
// CHECK: %[[ONE1:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[D:.*]] = arith.addf %[[ONE1]], %[[E]] : f32
// CHECK: %[[ONE2:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: arith.divf %[[ONE2]], %[[D]] : f32
func.func @float_unary_and_binary_bodies(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Pow %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = onnx.Max %0, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %2 = onnx.Min %1, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %3 = onnx.Ceil %2 : (tensor<4xf32>) -> tensor<4xf32>
  %4 = onnx.Floor %3 : (tensor<4xf32>) -> tensor<4xf32>
  %5 = onnx.Cos %4 : (tensor<4xf32>) -> tensor<4xf32>
  %6 = onnx.Sin %5 : (tensor<4xf32>) -> tensor<4xf32>
  %7 = onnx.Exp %6 : (tensor<4xf32>) -> tensor<4xf32>
  %8 = onnx.Log %7 : (tensor<4xf32>) -> tensor<4xf32>
  %9 = onnx.Sqrt %8 : (tensor<4xf32>) -> tensor<4xf32>
  %10 = onnx.Tanh %9 : (tensor<4xf32>) -> tensor<4xf32>
  %11 = onnx.Abs %10 : (tensor<4xf32>) -> tensor<4xf32>
  %12 = onnx.Neg %11 : (tensor<4xf32>) -> tensor<4xf32>
  %13 = onnx.Reciprocal %12 : (tensor<4xf32>) -> tensor<4xf32>
  %14 = onnx.Relu %13 : (tensor<4xf32>) -> tensor<4xf32>
  %15 = onnx.Sigmoid %14 : (tensor<4xf32>) -> tensor<4xf32>
  return %15 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @cast_f32_to_i64
// CHECK: arith.fptosi %{{.*}} : f32 to i64
// CHECK: -> tensor<3xi64>
func.func @cast_f32_to_i64(%a: tensor<3xf32>) -> tensor<3xi64> {
  %0 = onnx.Cast %a {to = 7 : i64} : (tensor<3xf32>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

// CHECK-LABEL: func.func @cast_i64_to_f32
// CHECK: arith.sitofp %{{.*}} : i64 to f32
func.func @cast_i64_to_f32(%a: tensor<3xi64>) -> tensor<3xf32> {
  %0 = onnx.Cast %a {to = 1 : i64} : (tensor<3xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// A bool is 0 or 1, never -1.
// CHECK-LABEL: func.func @cast_bool_to_f32
// CHECK: arith.uitofp %{{.*}} : i1 to f32
func.func @cast_bool_to_f32(%a: tensor<3xi1>) -> tensor<3xf32> {
  %0 = onnx.Cast %a {to = 1 : i64} : (tensor<3xi1>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @cast_f32_to_bool
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: i1):
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[B:.*]] = arith.cmpf une, %[[X]], %[[Z]] : f32
// CHECK: linalg.yield %[[B]] : i1
func.func @cast_f32_to_bool(%a: tensor<3xf32>) -> tensor<3xi1> {
  %0 = onnx.Cast %a {to = 9 : i64} : (tensor<3xf32>) -> tensor<3xi1>
  return %0 : tensor<3xi1>
}

// -----

// CHECK-LABEL: func.func @cast_integer_widths
// CHECK: arith.extsi %{{.*}} : i32 to i64
// CHECK: arith.trunci %{{.*}} : i64 to i8
// CHECK: %[[Z:.*]] = arith.constant 0 : i8
// CHECK: arith.cmpi ne, %{{.*}}, %[[Z]] : i8
// CHECK: arith.extui %{{.*}} : i1 to i32
func.func @cast_integer_widths(%a: tensor<3xi32>) -> tensor<3xi32> {
  %0 = onnx.Cast %a {to = 7 : i64} : (tensor<3xi32>) -> tensor<3xi64>
  %1 = onnx.Cast %0 {to = 3 : i64} : (tensor<3xi64>) -> tensor<3xi8>
  %2 = onnx.Cast %1 {to = 9 : i64} : (tensor<3xi8>) -> tensor<3xi1>
  %3 = onnx.Cast %2 {to = 6 : i64} : (tensor<3xi1>) -> tensor<3xi32>
  return %3 : tensor<3xi32>
}

// -----

// Float conversions are exact ops: f16 -> f32 is one extf, f32 -> f16 one truncf.
// CHECK-LABEL: func.func @cast_float_widths
// CHECK: ^bb0(%[[X:.*]]: f16, %{{.*}}: f32):
// CHECK-NEXT: %[[W:.*]] = arith.extf %[[X]] : f16 to f32
// CHECK-NEXT: linalg.yield %[[W]] : f32
// CHECK: ^bb0(%[[Y:.*]]: f32, %{{.*}}: f16):
// CHECK-NEXT: %[[N:.*]] = arith.truncf %[[Y]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[N]] : f16
func.func @cast_float_widths(%a: tensor<3xf16>) -> tensor<3xf16> {
  %0 = onnx.Cast %a {to = 1 : i64} : (tensor<3xf16>) -> tensor<3xf32>
  %1 = onnx.Cast %0 {to = 10 : i64} : (tensor<3xf32>) -> tensor<3xf16>
  return %1 : tensor<3xf16>
}

// -----

// CastLike reads only its first operand; the second names the target type.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @castlike_reads_first_operand_only
// CHECK-SAME: (%[[A:.*]]: tensor<3xf32>, %[[T:.*]]: tensor<1xi64>)
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel"]} ins(%[[A]] : tensor<3xf32>)
// CHECK: arith.fptosi %{{.*}} : f32 to i64
func.func @castlike_reads_first_operand_only(%a: tensor<3xf32>, %t: tensor<1xi64>) -> tensor<3xi64> {
  %0 = onnx.CastLike %a, %t : (tensor<3xf32>, tensor<1xi64>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

// A float base with an integer exponent: the exponent is converted, then math.powf.
// CHECK-LABEL: func.func @pow_integer_exponent
// CHECK: ^bb0(%[[X:.*]]: f32, %[[E:.*]]: i64, %{{.*}}: f32):
// CHECK: %[[EF:.*]] = arith.sitofp %[[E]] : i64 to f32
// CHECK: math.powf %[[X]], %[[EF]] : f32
func.func @pow_integer_exponent(%x: tensor<2x3xf32>, %e: tensor<i64>) -> tensor<2x3xf32> {
  %0 = onnx.Pow %x, %e : (tensor<2x3xf32>, tensor<i64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
