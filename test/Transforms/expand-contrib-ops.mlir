// RUN: kiln-opt %s -split-input-file --kiln-expand-contrib-ops --kiln-onnx-shape-inference | FileCheck %s
// com.microsoft EmbedLayerNormalization restated as the standard ops it composes.

// CHECK-LABEL: func.func @embed_layer_norm
// CHECK-NOT: EmbedLayerNormalization
// CHECK-DAG: %[[W:.*]] = onnx.Gather %arg1, %arg0
// CHECK-DAG: %[[SEQ:.*]] = onnx.Shape %arg0 {end = 2 : i64, start = 1 : i64}
// CHECK-DAG: %[[POS:.*]] = onnx.Range
// CHECK-DAG: %[[P:.*]] = onnx.Gather %arg2, %[[POS]]
// CHECK: %[[SUM:.*]] = onnx.Add %[[W]], %[[P]]
// CHECK: %[[S:.*]] = onnx.Gather %arg3, %arg6
// CHECK: %[[SUM2:.*]] = onnx.Add %[[SUM]], %[[S]]
// CHECK: %[[Y:.*]], %{{.*}}, %{{.*}} = onnx.LayerNormalization %[[SUM2]], %arg4 B(%arg5) {{{.*}}epsilon = 9.99999996E-13 : f32{{.*}}}
// CHECK: %[[LEN:.*]] = onnx.ReduceSum %arg7 axes(%{{.*}}) {keepdims = 0 : i64} : (tensor<?x?xi32>, tensor<1xi64>) -> tensor<?xi32>
// CHECK: return %[[Y]], %[[LEN]], %[[SUM2]]
func.func @embed_layer_norm(%ids: tensor<?x?xi32>, %w: tensor<100x32xf32>, %p: tensor<64x32xf32>, %s: tensor<2x32xf32>, %g: tensor<32xf32>, %b: tensor<32xf32>, %seg: tensor<?x?xi32>, %m: tensor<?x?xi32>) -> (tensor<?x?x32xf32>, tensor<?xi32>, tensor<?x?x32xf32>) {
  %0:3 = onnx.com.microsoft.EmbedLayerNormalization %ids segment_ids(%seg), %w, %p segment_embedding(%s), %g, %b mask(%m) : (tensor<?x?xi32>, tensor<?x?xi32>, tensor<100x32xf32>, tensor<64x32xf32>, tensor<2x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<?x?xi32>) -> (tensor<?x?x32xf32>, tensor<?xi32>, tensor<?x?x32xf32>)
  return %0#0, %0#1, %0#2 : tensor<?x?x32xf32>, tensor<?xi32>, tensor<?x?x32xf32>
}

// -----

// No mask: mask_index must be unused (it is left as it is otherwise).
// CHECK-LABEL: func.func @negative_mask_index_without_mask
// CHECK: onnx.com.microsoft.EmbedLayerNormalization
func.func @negative_mask_index_without_mask(%ids: tensor<?x?xi32>, %w: tensor<100x32xf32>, %p: tensor<64x32xf32>, %g: tensor<32xf32>, %b: tensor<32xf32>) -> tensor<?xi32> {
  %0:3 = onnx.com.microsoft.EmbedLayerNormalization %ids, %w, %p, %g, %b : (tensor<?x?xi32>, tensor<100x32xf32>, tensor<64x32xf32>, tensor<32xf32>, tensor<32xf32>) -> (tensor<?x?x32xf32>, tensor<?xi32>, tensor<?x?x32xf32>)
  return %0#1 : tensor<?xi32>
}
