// RUN: kiln-opt %s -split-input-file --kiln-convert-onnx-to-linalg | FileCheck %s
// Index-driven ops: GatherND reads each element at a tuple read from `indices`; ScatterND and
// ScatterElements write updates in order with a loop nest carrying the result; Tile reads
// input[i mod dim]. Every index is range-checked (the run fails naming the node) before it
// touches memory.

// CHECK-LABEL: func.func @gather_nd
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<?x1x1x?xi1>)
// CHECK-DAG: tensor.extract %{{.*}} : tensor<?x1x1x?x2xi64>
// CHECK: arith.andi
// CHECK: scf.if %{{.*}} -> (i1)
// CHECK: tensor.extract %{{.*}} : tensor<?x?xi1>
// CHECK: } else {
// CHECK: scf.if
// CHECK: kiln.index_error %{{.*}}, %{{.*}} {site = "GatherND node 'pad' (axis 0)"}
// CHECK: scf.if
// CHECK: kiln.index_error %{{.*}}, %{{.*}} {site = "GatherND node 'pad' (axis 1)"}
func.func @gather_nd(%mask: tensor<?x?xi1>, %idx: tensor<?x1x1x?x2xi64>) -> tensor<?x1x1x?xi1> {
  %0 = onnx.GatherND %mask, %idx : (tensor<?x?xi1>, tensor<?x1x1x?x2xi64>) -> tensor<?x1x1x?xi1> loc("pad")
  return %0 : tensor<?x1x1x?xi1>
}

// -----

// CHECK-LABEL: func.func @scatter_nd_add
// CHECK: scf.for {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<4x5xf32>)
// CHECK: scf.for {{.*}} iter_args(%[[ACC2:.*]] = %[[ACC]]) -> (tensor<4x5xf32>)
// CHECK: scf.if %{{.*}} -> (tensor<4x5xf32>)
// CHECK: %[[OLD:.*]] = tensor.extract %[[ACC2]]
// CHECK: %[[NEW:.*]] = arith.addf %[[OLD]], %{{.*}}
// CHECK: tensor.insert %[[NEW]] into %[[ACC2]]
// CHECK: } else {
// CHECK: kiln.index_error
// CHECK: scf.yield %[[ACC2]]
func.func @scatter_nd_add(%d: tensor<4x5xf32>, %i: tensor<2x1xi64>, %u: tensor<2x5xf32>) -> tensor<4x5xf32> {
  %0 = onnx.ScatterND %d, %i, %u {reduction = "add"} : (tensor<4x5xf32>, tensor<2x1xi64>, tensor<2x5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// CHECK-LABEL: func.func @scatter_elements
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.if %{{.*}} -> (tensor<?x6xi64>)
// CHECK-NOT: tensor.extract %{{.*}} : tensor<?x6xi64>
// CHECK: tensor.insert
func.func @scatter_elements(%d: tensor<?x6xi64>, %i: tensor<?x2xi32>, %u: tensor<?x2xi64>) -> tensor<?x6xi64> {
  %0 = onnx.ScatterElements %d, %i, %u {axis = 1 : i64} : (tensor<?x6xi64>, tensor<?x2xi32>, tensor<?x2xi64>) -> tensor<?x6xi64>
  return %0 : tensor<?x6xi64>
}

// -----

// CHECK-LABEL: func.func @tile_dynamic
// CHECK: %[[R:.*]] = tensor.extract %{{.*}} : tensor<2xi64>
// CHECK: tensor.empty(%{{.*}}) : tensor<?x6xf32>
// CHECK: linalg.generic
// CHECK: arith.remui
// CHECK: arith.remui
// CHECK: tensor.extract %{{.*}} : tensor<?x3xf32>
func.func @tile_dynamic(%x: tensor<?x3xf32>, %r: tensor<2xi64>) -> tensor<?x6xf32> {
  %0 = onnx.Tile %x, %r : (tensor<?x3xf32>, tensor<2xi64>) -> tensor<?x6xf32>
  return %0 : tensor<?x6xf32>
}

// -----

// A grouped 1-D convolution with padding over a dynamic length (wav2vec2's positional conv).
// CHECK-LABEL: func.func @conv1d_grouped
// CHECK: tensor.pad %{{.*}} low[0, 0, 2] high[0, 0, 2]
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2], [3]] {{.*}} : tensor<?x8x?xf32> into tensor<?x2x4x?xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] {{.*}} : tensor<8x4x5xf32> into tensor<2x4x4x5xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: tensor.collapse_shape
// CHECK: linalg.generic
// CHECK: arith.addf
func.func @conv1d_grouped(%x: tensor<?x8x?xf32>, %w: tensor<8x4x5xf32>, %b: tensor<8xf32>) -> tensor<?x8x?xf32> {
  %0 = onnx.Conv %x, %w B(%b) {group = 2 : i64, kernel_shape = array<i64: 5>, pads = array<i64: 2, 2>} : (tensor<?x8x?xf32>, tensor<8x4x5xf32>, tensor<8xf32>) -> tensor<?x8x?xf32>
  return %0 : tensor<?x8x?xf32>
}

// -----

// CHECK-LABEL: func.func @cumsum_reverse_exclusive
// CHECK: scf.for {{.*}} iter_args(%[[PREV:.*]] = %{{.*}}, %[[OUT:.*]] = %{{.*}}) -> (tensor<2x1xf32>, tensor<2x?xf32>)
// CHECK: arith.subi
// CHECK: tensor.extract_slice
// CHECK: tensor.insert_slice %[[PREV]] into %[[OUT]]
// CHECK: linalg.generic {{.*}} outs(%[[PREV]] : tensor<2x1xf32>)
// CHECK: arith.addf
func.func @cumsum_reverse_exclusive(%x: tensor<2x?xf32>) -> tensor<2x?xf32> {
  %axis = onnx.Constant dense<1> : tensor<i64>
  %0 = onnx.CumSum %x, %axis {exclusive = 1 : i64, reverse = 1 : i64} : (tensor<2x?xf32>, tensor<i64>) -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}
