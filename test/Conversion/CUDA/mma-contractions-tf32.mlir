// RUN: kiln-opt %s --kiln-cuda-mma-contractions=tf32=true --canonicalize --cse \
// RUN:   --mlir-print-debuginfo | FileCheck %s
// RUN: kiln-opt %s --kiln-cuda-mma-contractions | FileCheck %s --check-prefix=FP32

// --precision=tf32: an f32 contraction (a Linear's transposed weight, dynamic rows) on
// mma.sync m16n8k8 .tf32. The same 64x64 tile and 4 warps as the 16-bit kernel; f32 stages
// with lhs rows padded by 4 elements (64x36) and rhs rows by 8 (32x72); per 32-wide k step 4
// k8 steps, each with 2 A fragments (4 plain loads each) and 4 B fragments (2 each) of the
// warp, then 8 mma.sync. Without tf32 the contraction stays for the FMA kernels.
// FP32-NOT: nvgpu
// FP32: linalg.matmul

// CHECK-LABEL: func.func @main
// CHECK: gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c128{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) workgroup(%[[A:.*]] : memref<64x36xf32, #gpu.address_space<workgroup>>, %[[B:.*]] : memref<32x72xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for {{.*}} -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// CHECK:   memref.store %{{.*}}, %[[A]]
// CHECK:   memref.store %{{.*}}, %[[B]]
// CHECK:   gpu.barrier
// CHECK:   scf.for %{{.*}} = %c0 to %c32 step %c8 iter_args({{.*}}) -> (vector<2x2xf32>
// CHECK-COUNT-8: memref.load %[[A]][%{{.*}}, %{{.*}}] : memref<64x36xf32, #gpu.address_space<workgroup>>
// CHECK-COUNT-8: memref.load %[[B]][%{{.*}}, %{{.*}}] : memref<32x72xf32, #gpu.address_space<workgroup>>
// CHECK-COUNT-8: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 8], tf32Enabled} : (vector<4x1xf32>, vector<2x1xf32>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK:   gpu.barrier
// CHECK-NOT: linalg.matmul
// CHECK: kernel = "64x64x32 tile, mma.sync m16n8k8 tf32 (f32 accumulate), 2x2 warps"
func.func @main(%x: memref<?x96xf32>, %w: memref<200x96xf32>, %y: memref<?x200xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : memref<?x96xf32>, memref<200x96xf32>) outs(%y : memref<?x200xf32>)
  return
}
