// RUN: kiln-opt %s -split-input-file --kiln-convert-onnx-to-linalg | FileCheck %s
// Gather reads data at indices that are themselves data: negative indices count from the end;
// an index outside [-dim, dim) reads nothing, is reported with the node's name (kiln.index_error,
// which the target turns into its runtime's report; the run then fails, as in onnxruntime) and
// yields zero, so no input can make the code read outside the tensor.

// CHECK-NOT: llvm.
// CHECK-LABEL: func.func @gather_embedding
// CHECK: %[[C100:.*]] = arith.constant 100 : index
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[I]], %{{.*}}
// CHECK: %[[WRAP:.*]] = arith.addi %[[I]], %[[C100]]
// CHECK: %[[IDX:.*]] = arith.select %[[NEG]], %[[WRAP]], %[[I]]
// CHECK-DAG: %[[BELOW:.*]] = arith.cmpi slt, %[[IDX]], %[[C100]]
// CHECK-DAG: %[[ABOVE:.*]] = arith.cmpi sge, %[[IDX]], %{{.*}}
// CHECK: %[[OK:.*]] = arith.andi
// CHECK: %[[V:.*]] = scf.if %[[OK]] -> (f32) {
// CHECK:   %[[E:.*]] = tensor.extract %{{.*}}[%[[IDX]], %{{.*}}] : tensor<100x8xf32>
// CHECK:   scf.yield %[[E]]
// CHECK: } else {
// CHECK:   kiln.index_error %[[I]], %[[C100]] {site = "Gather node 'embed' (axis 0)"}
// CHECK:   scf.yield %{{.*}} : f32
// CHECK: linalg.yield %[[V]]
func.func @gather_embedding(%table: tensor<100x8xf32>, %ids: tensor<?x?xi64>) -> tensor<?x?x8xf32> {
  %r = onnx.Gather %table, %ids : (tensor<100x8xf32>, tensor<?x?xi64>) -> tensor<?x?x8xf32> loc("embed")
  return %r : tensor<?x?x8xf32>
}

// -----

// GatherElements: the same check on its axis, one site per node.
// CHECK-LABEL: func.func @gather_elements
// CHECK: scf.if
// CHECK: tensor.extract %{{.*}} : tensor<?x5xf32>
// CHECK: kiln.index_error %{{.*}}, %{{.*}} {site = "GatherElements node 'pick' (axis 1)"}
func.func @gather_elements(%data: tensor<?x5xf32>, %ids: tensor<?x3xi32>) -> tensor<?x3xf32> {
  %r = onnx.GatherElements %data, %ids {axis = 1 : i64} : (tensor<?x5xf32>, tensor<?x3xi32>) -> tensor<?x3xf32> loc("pick")
  return %r : tensor<?x3xf32>
}
