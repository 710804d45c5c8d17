// RUN: kiln-opt %s --split-input-file --kiln-cuda-mma-contractions --canonicalize --cse \
// RUN:   --mlir-print-debuginfo | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-cuda-mma-contractions=min-sm=75 | FileCheck %s \
// RUN:   --check-prefix=SM75

// A batched f16 contraction with a transposed operand and dynamic sizes, accumulating into
// the output's contents: 128 threads (4 warps) over 64x64 tiles (n in grid x, m in y, the
// batch in z); each thread starts its 8 accumulator fragments (2 m16 x 4 n8 of its warp's
// 32x32 outputs) from the output, 4 elements each; per 32-wide step of k the block stages
// both operands (a loop of 16 elements per thread each, zero outside) into rows padded to 40
// and 72 elements, waits, and per k16 half (a loop of 2) each warp loads 2 A fragments
// (ldmatrix x4) and 2 pairs of B fragments (ldmatrix x4, transposed) and issues 8 mma.sync;
// after the loop each fragment's 4 elements are stored (a loop each) where in bounds.
// SM75-LABEL: func.func @main
// SM75: linalg.generic
// SM75-NOT: nvgpu

// CHECK-LABEL: func.func @main
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %[[BZ:.*]]) in ({{.*}}) threads({{.*}}) in (%{{.*}} = %c128{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) workgroup(%[[A:.*]] : memref<64x40xf16, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<32x72xf16, #gpu.address_space<workgroup>>)
// CHECK-COUNT-32: memref.load %arg2[%[[BZ]], %{{.*}}, %{{.*}}] : memref<?x?x?xf32>
// CHECK: scf.for {{.*}} -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// CHECK:   scf.for %{{.*}} = %c0 to %c16 step %c1 {
// CHECK:     memref.load %arg0[%[[BZ]], %{{.*}}, %{{.*}}]
// CHECK:     memref.store %{{.*}}, %[[A]]
// CHECK:   scf.for %{{.*}} = %c0 to %c16 step %c1 {
// CHECK:     memref.load %arg1[%[[BZ]], %{{.*}}, %{{.*}}]
// CHECK:     memref.store %{{.*}}, %[[B]]
// CHECK:   gpu.barrier
// CHECK:   scf.for %{{.*}} = %c0 to %c32 step %c16 iter_args({{.*}}) -> (vector<2x2xf32>
// CHECK-COUNT-2: nvgpu.ldmatrix %[[A]][%{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = false}
// CHECK-COUNT-2: nvgpu.ldmatrix %[[B]][%{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = true}
// CHECK-COUNT-8: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK:   gpu.barrier
// CHECK:   scf.yield
// CHECK-COUNT-8: memref.store %{{.*}}, %arg2[%[[BZ]], %{{.*}}, %{{.*}}] : memref<?x?x?xf32>
// CHECK-NOT: linalg.generic
// CHECK: kernel = "64x64x32 tile, mma.sync m16n8k16 f16 (f32 accumulate), 2x2 warps"
#a = affine_map<(b, m, n, k) -> (b, m, k)>
#bt = affine_map<(b, m, n, k) -> (b, n, k)>
#c = affine_map<(b, m, n, k) -> (b, m, n)>
func.func @main(%x: memref<?x?x?xf16>, %w: memref<?x?x?xf16>, %out: memref<?x?x?xf32>) {
  linalg.generic {indexing_maps = [#a, #bt, #c],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x?x?xf16>, memref<?x?x?xf16>) outs(%out : memref<?x?x?xf32>) {
  ^bb0(%l: f16, %r: f16, %acc: f32):
    %le = arith.extf %l : f16 to f32
    %re = arith.extf %r : f16 to f32
    %p = arith.mulf %le, %re : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// bf16 operands with a fill of a fresh buffer and a bias add after: the accumulators start
// from the fill's value and the add is the epilogue, applied to each accumulator element
// before its store; neither is left.
// CHECK-LABEL: func.func @main
// CHECK: gpu.launch {{.*}} workgroup(%{{.*}} : memref<64x40xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x72xbf16, #gpu.address_space<workgroup>>)
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[START:.*]], {{.*}}) -> (vector<2x2xf32>
// CHECK: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xbf16>, vector<2x2xbf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK: scf.if
// CHECK:   memref.load %arg2[%{{.*}}] : memref<70xf32>
// CHECK:   arith.addf
// CHECK:   memref.store %{{.*}}, %arg3[%{{.*}}, %{{.*}}] : memref<130x70xf32>
// CHECK-NOT: linalg.
// CHECK: kernel = "64x64x32 tile, mma.sync m16n8k16 bf16 (f32 accumulate), 2x2 warps, fill, epilogue"
func.func @main(%x: memref<130x40xbf16>, %w: memref<40x70xbf16>, %bias: memref<70xf32>, %y: memref<130x70xf32>) {
  %zero = arith.constant 0.0 : f32
  %mm = memref.alloc() : memref<130x70xf32>
  linalg.fill ins(%zero : f32) outs(%mm : memref<130x70xf32>)
  linalg.matmul ins(%x, %w : memref<130x40xbf16>, memref<40x70xbf16>) outs(%mm : memref<130x70xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%mm, %bias : memref<130x70xf32>, memref<70xf32>) outs(%y : memref<130x70xf32>) {
  ^bb0(%v: f32, %b: f32, %o: f32):
    %s = arith.addf %v, %b : f32
    linalg.yield %s : f32
  }
  memref.dealloc %mm : memref<130x70xf32>
  return
}

// -----

// Left to kiln-cuda-tile-contractions: f32 operands, operands of different types, f16
// accumulation, and a body that is not a multiply-add.
// CHECK-LABEL: func.func @main
// CHECK-NOT: gpu.launch
// CHECK-COUNT-4: linalg.
func.func @main(%a32: memref<16x16xf32>, %a16: memref<16x16xf16>, %o32: memref<16x16xf32>,
                %o16: memref<16x16xf16>) {
  linalg.matmul ins(%a32, %a32 : memref<16x16xf32>, memref<16x16xf32>) outs(%o32 : memref<16x16xf32>)
  linalg.matmul ins(%a16, %a32 : memref<16x16xf16>, memref<16x16xf32>) outs(%o32 : memref<16x16xf32>)
  linalg.matmul ins(%a16, %a16 : memref<16x16xf16>, memref<16x16xf16>) outs(%o16 : memref<16x16xf16>)
  linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, k)>, affine_map<(i, j, k) -> (k, j)>, affine_map<(i, j, k) -> (i, j)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a16, %a16 : memref<16x16xf16>, memref<16x16xf16>) outs(%o32 : memref<16x16xf32>) {
  ^bb0(%l: f16, %r: f16, %acc: f32):
    %le = arith.extf %l : f16 to f32
    %re = arith.extf %r : f16 to f32
    %p = arith.mulf %le, %re : f32
    %s = arith.maximumf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
