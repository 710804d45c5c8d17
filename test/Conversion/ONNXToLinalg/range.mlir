// RUN: kiln-opt %s --kiln-convert-onnx-to-linalg --split-input-file | FileCheck %s

// A float range counts in its element type: max(ceil((limit - start) / delta), 0) elements,
// element i is start + i * delta. A NaN count (zero delta over a zero span) is 0, an infinite
// one is clamped to 2^62 (too large to allocate: the run fails instead of converting inf).
// CHECK-LABEL: func.func @float_range
// CHECK: %[[SPAN:.*]] = arith.subf
// CHECK: %[[Q:.*]] = arith.divf %[[SPAN]]
// CHECK: %[[C:.*]] = math.ceil %[[Q]] : f32
// CHECK: %[[CLAMPED:.*]] = arith.minimumf %[[C]]
// CHECK: %[[POS:.*]] = arith.cmpf ogt, %[[CLAMPED]]
// CHECK: %[[N:.*]] = arith.select %[[POS]], %[[CLAMPED]]
// CHECK: arith.fptosi %[[N]] : f32 to i64
// CHECK: arith.maxsi
// CHECK: tensor.generate
// CHECK: arith.sitofp
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @float_range(%start: tensor<f32>, %limit: tensor<f32>, %delta: tensor<f32>) -> tensor<?xf32> {
  %0 = onnx.Range %start, %limit, %delta : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// A zero integer delta divides by 1 and gives an empty range instead of trapping.
// CHECK-LABEL: func.func @int_range
// CHECK: %[[ZERO:.*]] = arith.cmpi eq, %[[DELTA:.*]], %{{.*}}
// CHECK: %[[DIV:.*]] = arith.select %[[ZERO]], %{{.*}}, %[[DELTA]]
// CHECK: arith.ceildivsi %{{.*}}, %[[DIV]]
// CHECK: tensor.generate
// CHECK: arith.muli
// CHECK: arith.addi
func.func @int_range(%start: tensor<i64>, %limit: tensor<i64>, %delta: tensor<i64>) -> tensor<?xi64> {
  %0 = onnx.Range %start, %limit, %delta : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}
