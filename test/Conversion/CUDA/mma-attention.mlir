// RUN: kiln-opt %s --split-input-file --kiln-cuda-mma-attention --canonicalize --cse \
// RUN:   --mlir-print-debuginfo | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-cuda-mma-attention=min-sm=75 | FileCheck %s \
// RUN:   --check-prefix=SM75

// f16 attention, head dim 64, causal GQA (4 heads over 2 KV heads), bshd keys: one
// FlashAttention-2 kernel of 4 warps per 64 query rows (grid: query tiles, heads, batch); Q
// staged once into 64x72 (rows padded by 8), K and V per tile of 64 keys into 64x72 each; per
// tile S = Q·Kᵀ in k16 steps (1 A fragment by ldmatrix x4, 4 pairs of B fragments by
// non-transposed ldmatrix x4, 8 mma.sync), the row maxima over each quad by two xor shuffles,
// P in f16 as 4 A fragments, O (8 fragments) += P·V with V by transposed ldmatrix (32 mma.sync);
// at the end the quads add up their partial sums and each fragment's elements are stored.
// SM75-LABEL: func.func @main
// SM75: kiln.attention
// SM75-NOT: nvgpu

// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[Q:[a-z0-9]+]]: memref<?x4x?x64xf16>{{.*}}, %[[K:[a-z0-9]+]]: memref<?x?x2x64xf16>{{.*}}, %[[V:[a-z0-9]+]]: memref<?x2x?x64xf16>{{.*}}, %[[O:[a-z0-9]+]]: memref<?x4x?x64xf16>
// CHECK: gpu.launch blocks(%{{.*}}, %[[H:.*]], %[[BI:.*]]) in (%{{.*}} = %{{.*}}, %{{.*}} = %c4, %{{.*}} = %{{.*}}) threads(%[[T:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c128, %{{.*}} = %c1, %{{.*}} = %c1) workgroup(%[[QS:.*]] : memref<64x72xf16, #gpu.address_space<workgroup>>, %[[KS:.*]] : memref<64x72xf16, #gpu.address_space<workgroup>>, %[[VS:.*]] : memref<64x72xf16, #gpu.address_space<workgroup>>)
// CHECK: %[[KVH:.*]] = arith.divui %[[H]], %c2
// Q: 64 rows x 64 of the query head, 128 threads apart.
// CHECK: scf.for %{{.*}} = %[[T]] to %c4096 step %c128 {
// CHECK:   memref.load %[[Q]][%[[BI]], %[[H]], %{{.*}}, %{{.*}}] : memref<?x4x?x64xf16>
// CHECK:   memref.store %{{.*}}, %[[QS]]
// The key tiles: 2 maxima, 2 sums and 8 output fragments.
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c64 iter_args({{.*}}) -> (f32, f32, f32, f32, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// CHECK:   memref.load %[[K]][%[[BI]], %{{.*}}, %[[KVH]], %{{.*}}] : memref<?x?x2x64xf16>
// CHECK:   memref.store %{{.*}}, %[[KS]]
// CHECK:   memref.load %[[V]][%[[BI]], %[[KVH]], %{{.*}}, %{{.*}}] : memref<?x2x?x64xf16>
// CHECK:   memref.store %{{.*}}, %[[VS]]
// CHECK:   gpu.barrier
// CHECK:   scf.for %{{.*}} = %c0 to %c64 step %c16 iter_args({{.*}}) -> (vector<2x2xf32>
// CHECK:     nvgpu.ldmatrix %[[QS]][%{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = false}
// CHECK:       nvgpu.ldmatrix %[[KS]][%{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = false}
// CHECK-COUNT-2: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK:       nvgpu.ldmatrix %[[KS]][%{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = false}
// CHECK-COUNT-2: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK:       nvgpu.ldmatrix %[[KS]][%{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = false}
// CHECK-COUNT-2: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK:       nvgpu.ldmatrix %[[KS]][%{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = false}
// CHECK-COUNT-2: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK:     scf.yield
// CHECK:   gpu.shuffle{{ +}}xor %{{.*}}, %c2_i32, %c32_i32 : f32
// CHECK:   gpu.shuffle{{ +}}xor %{{.*}}, %c1_i32, %c32_i32 : f32
// CHECK:   math.exp
// CHECK:   arith.truncf %{{.*}} : f32 to f16
// CHECK:   nvgpu.ldmatrix %[[VS]][%{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = true}
// CHECK-COUNT-32: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK:   gpu.barrier
// CHECK:   scf.yield
// CHECK: gpu.shuffle xor
// CHECK: scf.for %{{.*}} = %c0 to %c4 step %c1 {
// CHECK:   scf.if
// CHECK:     arith.divf
// CHECK:     arith.truncf %{{.*}} : f32 to f16
// CHECK:     memref.store %{{.*}}, %[[O]][%[[BI]], %[[H]], %{{.*}}, %{{.*}}] : memref<?x4x?x64xf16>
// CHECK-NOT: kiln.attention
// CHECK: kernel = "flash attention, mma.sync m16n8k16 f16 (f32 accumulate), 64 query rows x 64 keys a tile, 4 warps"
func.func @main(%q: memref<?x4x?x64xf16>, %k: memref<?x?x2x64xf16>, %v: memref<?x2x?x64xf16>, %o: memref<?x4x?x64xf16>) {
  kiln.attention %q, %k, %v outs(%o : memref<?x4x?x64xf16>) {causal, key_layout = #tfm.layout<bshd>} : memref<?x4x?x64xf16>, memref<?x?x2x64xf16>, memref<?x2x?x64xf16>
  return
}

// -----

// bf16, head dim 80 (5 k16 steps), value dim 40 (padded to 48 with zeros), a float mask read
// from global memory per score element: tiles of 32 keys; the mask's f16 values widened.
// CHECK-LABEL: func.func @main
// CHECK: workgroup(%[[QS:.*]] : memref<64x88xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x88xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x56xbf16, #gpu.address_space<workgroup>>)
// CHECK: scf.for {{.*}} step %c32 iter_args
// CHECK:   scf.for %{{.*}} = %c0 to %c80 step %c16
// CHECK:   scf.if
// CHECK:     memref.load %arg3
// CHECK:   arith.extf %{{.*}} : f16 to f32
// CHECK:   arith.truncf %{{.*}} : f32 to bf16
// CHECK: kernel = "flash attention, mma.sync m16n8k16 bf16 (f32 accumulate), 64 query rows x 32 keys a tile, 4 warps"
func.func @main(%q: memref<2x4x?x80xbf16>, %k: memref<2x4x?x80xbf16>, %v: memref<2x4x?x40xbf16>, %m: memref<2x1x?x?xf16>, %o: memref<2x4x?x40xf32>) {
  kiln.attention %q, %k, %v mask(%m : memref<2x1x?x?xf16>) outs(%o : memref<2x4x?x40xf32>) : memref<2x4x?x80xbf16>, memref<2x4x?x80xbf16>, memref<2x4x?x40xbf16>
  return
}

// -----

// Head dim 256: 2 warps (64 threads) over 32 query rows and 16 keys a tile, so that Q, K and V
// stages fit the 48 KB of static shared memory (33 KB); 32 output fragments a lane.
// CHECK-LABEL: func.func @main
// CHECK: gpu.launch {{.*}} threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c64{{.*}}, %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) workgroup(%{{.*}} : memref<32x264xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<16x264xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<16x264xf16, #gpu.address_space<workgroup>>)
// CHECK: scf.for {{.*}} step %c16 iter_args({{.*}}) -> (f32, f32, f32, f32, {{(vector<2x2xf32>, )+}}vector<2x2xf32>)
// CHECK: kernel = "flash attention, mma.sync m16n8k16 f16 (f32 accumulate), 32 query rows x 16 keys a tile, 2 warps"
func.func @main(%q: memref<1x2x?x256xf16>, %k: memref<1x2x?x256xf16>, %v: memref<1x2x?x256xf16>, %o: memref<1x2x?x256xf16>) {
  kiln.attention %q, %k, %v outs(%o : memref<1x2x?x256xf16>) {causal} : memref<1x2x?x256xf16>, memref<1x2x?x256xf16>, memref<1x2x?x256xf16>
  return
}

// -----

// Left to the FMA kernel: head dim 320 (the output fragments would not fit registers), f32
// operands, and mixed operand types.
// CHECK-LABEL: func.func @main
// CHECK-NOT: nvgpu
// CHECK-COUNT-3: kiln.attention
// CHECK-NOT: nvgpu
func.func @main(%q: memref<1x2x8x320xf16>, %k: memref<1x2x8x320xf16>, %v: memref<1x2x8x320xf16>, %o: memref<1x2x8x320xf16>,
                %q32: memref<1x2x8x64xf32>, %v32: memref<1x2x8x64xf32>, %o32: memref<1x2x8x64xf32>,
                %k16: memref<1x2x8x64xf16>) {
  kiln.attention %q, %k, %v outs(%o : memref<1x2x8x320xf16>) : memref<1x2x8x320xf16>, memref<1x2x8x320xf16>, memref<1x2x8x320xf16>
  kiln.attention %q32, %q32, %v32 outs(%o32 : memref<1x2x8x64xf32>) : memref<1x2x8x64xf32>, memref<1x2x8x64xf32>, memref<1x2x8x64xf32>
  kiln.attention %q32, %k16, %v32 outs(%o32 : memref<1x2x8x64xf32>) : memref<1x2x8x64xf32>, memref<1x2x8x64xf16>, memref<1x2x8x64xf32>
  return
}
