// RUN: kiln-opt %s -split-input-file --kiln-convert-onnx-to-linalg | FileCheck %s
// Gather reads data at indices that are themselves data: negative indices count from the end,
// and out-of-range ones are clamped into [0, dim - 1] so that no input can make the code read
// outside the tensor (onnxruntime reports them as errors; Kiln does not report them yet).

// CHECK-LABEL: func.func @gather_embedding
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[I]], %{{.*}}
// CHECK: %[[WRAP:.*]] = arith.select %[[NEG]]
// CHECK: %[[LOW:.*]] = arith.minsi %[[WRAP]], %{{.*}}
// CHECK: %[[IDX:.*]] = arith.maxsi %[[LOW]], %{{.*}}
// CHECK: tensor.extract %{{.*}}[%[[IDX]], %{{.*}}] : tensor<100x8xf32>
func.func @gather_embedding(%table: tensor<100x8xf32>, %ids: tensor<?x?xi64>) -> tensor<?x?x8xf32> {
  %r = onnx.Gather %table, %ids : (tensor<100x8xf32>, tensor<?x?xi64>) -> tensor<?x?x8xf32>
  return %r : tensor<?x?x8xf32>
}
