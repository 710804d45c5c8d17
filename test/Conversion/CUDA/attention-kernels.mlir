// RUN: kiln-opt %s --kiln-cuda-attention-kernels --canonicalize --cse | FileCheck %s
// kiln.attention on buffers is one online-softmax kernel (docs/design/flash-attention.md). Head
// dim 64: 4 threads per query row (16 elements each), 64 rows per block of 256 threads, key
// tiles of 32 staged with the mask's tile in workgroup memory; GQA through KV head h / 2;
// causal and window limits bound the key tiles; bshd keys and output read and written in
// place.

// CHECK-LABEL: func.func @main
// CHECK-SAME: (%[[Q:.*]]: memref<?x4x?x64xf32>, %[[K:.*]]: memref<?x?x2x64xf16>, %[[V:.*]]: memref<?x2x?x64xf16>, %[[M:.*]]: memref<?x1x1x?xi1>, %[[O:.*]]: memref<?x?x4x64xf32>)
// CHECK-DAG: %[[B:.*]] = memref.dim %[[Q]], %c0
// CHECK-DAG: %[[SQ:.*]] = memref.dim %[[Q]], %c2
// CHECK-DAG: %[[SK:.*]] = memref.dim %[[K]], %c1
// CHECK: %[[TILES:.*]] = arith.ceildivui %[[SQ]], %c64
// CHECK: %[[GX:.*]] = arith.maxui %[[TILES]], %c1
// CHECK: %[[GZ:.*]] = arith.maxui %[[B]], %c1
// CHECK: gpu.launch blocks(%[[QT:.*]], %[[H:.*]], %[[BI:.*]]) in (%{{.*}} = %[[GX]], %{{.*}} = %c4, %{{.*}} = %[[GZ]]) threads(%[[T:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c256, %{{.*}} = %c1, %{{.*}} = %c1) workgroup(%[[KS:.*]] : memref<32x64xf32, #gpu.address_space<workgroup>>, %[[VS:.*]] : memref<32x64xf32, #gpu.address_space<workgroup>>, %[[MS:.*]] : memref<64x33xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[BASE:.*]] = arith.muli %[[QT]], %c64
// CHECK: %[[ROW:.*]] = arith.divui %[[T]], %c4
// CHECK: %[[LANE:.*]] = arith.remui %[[T]], %c4
// CHECK: %[[QI:.*]] = arith.addi %[[BASE]], %[[ROW]]
// CHECK: %[[ACTIVE:.*]] = arith.cmpi slt, %[[BI]], %[[B]]
// CHECK: %[[VALID:.*]] = arith.andi %[[ACTIVE]], %{{.*}}
// CHECK: %[[KVH:.*]] = arith.divui %[[H]], %c2
// CHECK: %[[OFF:.*]] = arith.subi %[[SK]], %[[SQ]]
// The thread's 16 query elements, lane + 4 c.
// CHECK: memref.load %[[Q]][%[[BI]], %[[H]], %[[QI]], %{{.*}}]
// The key range: up to the causal limit of the block's last row, from the window of its first.
// CHECK: %[[LAST:.*]] = arith.minsi
// CHECK: %[[END:.*]] = arith.minsi %[[SK]], %{{.*}}
// CHECK: %[[BEGIN:.*]] = arith.maxsi
// CHECK: %[[FROM:.*]] = arith.select %[[ACTIVE]], %[[BEGIN]], %c0
// CHECK: %[[TO:.*]] = arith.select %[[ACTIVE]], %[[END]], %c0
// CHECK: %[[R:.*]]:18 = scf.for %[[TILE:.*]] = %[[FROM]] to %[[TO]] step %c32 iter_args(%[[MAX:[a-z0-9]+]] = %cst{{[_0-9]*}}, %[[SUM:[a-z0-9]+]] = %cst{{[_0-9]*}},
// Staging: K rows, V rows (f16 widened), the mask's tile (i1 as 1 or 0), then a barrier.
// CHECK:   scf.for %[[E:.*]] = %[[T]] to %c2048 step %c256
// CHECK:     memref.load %[[K]][%[[BI]], %{{.*}}, %[[KVH]], %{{.*}}] : memref<?x?x2x64xf16>
// CHECK:     arith.extf
// CHECK:     memref.store %{{.*}}, %[[KS]]
// CHECK:   scf.for
// CHECK:     memref.load %[[V]][%[[BI]], %[[KVH]], %{{.*}}, %{{.*}}] : memref<?x2x?x64xf16>
// CHECK:     memref.store %{{.*}}, %[[VS]]
// CHECK:   scf.for
// CHECK:     memref.load %[[M]][%[[BI]], %c0, %c0, %{{.*}}] : memref<?x1x1x?xi1>
// CHECK:     memref.store %{{.*}}, %[[MS]]
// CHECK:   gpu.barrier
// The tile's keys one by one: the partial dot product, two shuffles, the mask, the causal and
// window limits, then a rescale of the running state only when the score raises the maximum.
// CHECK:   %[[KEYS:.*]]:18 = scf.for %[[J:.*]] = %c0 to %c32 step %c1 iter_args(%[[M:[a-z0-9]+]] = %[[MAX]], %[[L:[a-z0-9]+]] = %[[SUM]], %[[A0:[a-z0-9]+]] =
// CHECK:     memref.load %[[KS]][%[[J]], %[[LANE]]]
// CHECK:     math.fma
// CHECK:     %[[S1:[a-zA-Z0-9_]+]], %{{.*}} = gpu.shuffle xor %[[P0:[0-9]+]], %c2_i32, %c32_i32 : f32
// CHECK:     %[[P1:.*]] = arith.addf %[[P0]], %[[S1]]
// CHECK:     %[[S2:[a-zA-Z0-9_]+]], %{{.*}} = gpu.shuffle xor %[[P1]], %c1_i32, %c32_i32 : f32
// CHECK:     %[[DOT:.*]] = arith.addf %[[P1]], %[[S2]]
// CHECK:     %[[KEY:.*]] = arith.addi %[[TILE]], %[[J]]
// CHECK:     %[[KEEP:.*]] = memref.load %[[MS]][%[[ROW]], %[[J]]]
// CHECK:     arith.cmpf une, %[[KEEP]]
// CHECK:     arith.mulf %[[DOT]]
// CHECK:     %[[LIMIT:.*]] = arith.addi %[[QI]], %[[OFF]]
// CHECK:     arith.cmpi sgt, %[[KEY]], %[[LIMIT]]
// CHECK:     arith.subi %[[LIMIT]], %c4
// CHECK:     arith.cmpi slt, %[[KEY]], %[[TO]]
// CHECK:     %[[S:.*]] = arith.select
// CHECK:     %[[RAISES:.*]] = arith.cmpf ogt, %[[S]], %[[M]]
// CHECK:     %[[NEWMAX:.*]] = arith.select %[[RAISES]], %[[S]], %[[M]]
// CHECK:     %[[KEPT:.*]]:17 = scf.if %[[RAISES]]
// CHECK:       %[[DROP:.*]] = arith.subf %[[M]], %[[S]]
// CHECK:       %[[CORR:.*]] = math.exp %[[DROP]]
// CHECK:       arith.mulf %[[L]], %[[CORR]]
// CHECK:       arith.mulf %[[A0]], %[[CORR]]
// CHECK:     } else {
// CHECK:       scf.yield %[[L]], %[[A0]],
// CHECK:     %[[NONE:.*]] = arith.cmpf oeq, %[[NEWMAX]]
// CHECK:     %[[DIFF:.*]] = arith.subf %[[S]], %[[NEWMAX]]
// CHECK:     %[[E:.*]] = math.exp %[[DIFF]]
// CHECK:     %[[P:.*]] = arith.select %[[NONE]], %cst{{.*}}, %[[E]]
// CHECK:     arith.addf %[[KEPT]]#0, %[[P]]
// CHECK:     %[[V0:.*]] = memref.load %[[VS]][%[[J]], %[[LANE]]]
// CHECK:     math.fma %[[P]], %[[V0]], %[[KEPT]]#1
// CHECK-COUNT-15: memref.load %[[VS]][%[[J]],
// CHECK:     scf.yield %[[NEWMAX]],
// CHECK:   gpu.barrier
// CHECK:   scf.yield %[[KEYS]]#0, %[[KEYS]]#1,
// CHECK: scf.if %[[VALID]]
// CHECK:   arith.cmpf oeq, %[[R]]#1, %cst
// CHECK:   arith.divf %[[R]]#2, %[[R]]#1
// CHECK:   memref.store %{{.*}}, %[[O]][%[[BI]], %[[QI]], %[[H]], %[[LANE]]] : memref<?x?x4x64xf32>
// CHECK-COUNT-15: memref.store %{{.*}}, %[[O]]
// CHECK: gpu.terminator
// CHECK-NOT: kiln.attention
func.func @main(%q: memref<?x4x?x64xf32>, %k: memref<?x?x2x64xf16>, %v: memref<?x2x?x64xf16>, %m: memref<?x1x1x?xi1>, %o: memref<?x?x4x64xf32>) {
  kiln.attention %q, %k, %v mask(%m : memref<?x1x1x?xi1>) outs(%o : memref<?x?x4x64xf32>) {causal, key_layout = #tfm.layout<bshd>, output_layout = #tfm.layout<bshd>, window = 4 : i64} : memref<?x4x?x64xf32>, memref<?x?x2x64xf16>, memref<?x2x?x64xf16>
  return
}
