//===- CUDAPasses.td - passes of the CUDA target -----------*- tablegen -*-===//
//
// Passes only the CUDA target runs (docs/design/targets.md, "CUDA kernels"): the program on
// buffers split into kernels and host code, the host side's launches as runtime calls,
// run-time error reports as stores into the module's error record.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CUDA_PASSES
#define KILN_CODEGEN_CUDA_PASSES

include "mlir/Pass/PassBase.td"

def CUDAClaimTFMOps : Pass<"kiln-cuda-claim-tfm-ops", "::mlir::func::FuncOp"> {
  let summary = "claim the tfm ops the CUDA target builds kernels of its own for";
  let description = [{
    Runs before the lowering to linalg (the CUDA target's claim, stage `linalg`). Each tfm op
    that one of the target's kernel builders implements becomes the `kiln` op of the same
    name, with the same operands and attributes and a `tensor.empty` of the result's shape as
    its destination, so that it bufferizes with the rest of the program:

    - `tfm.attention` with static head dims of at most 512, f16/bf16/f32 operands and a
      f16/bf16/f32/i1 mask, for the online-softmax kernel (`kiln-cuda-attention-kernels`);
    - `tfm.layer_norm` and `tfm.rms_norm` on f16/bf16/f32 whose scale (and bias) have at most
      the normalised dims' rank, for the row kernel (`kiln-cuda-norm-kernels`).

    Any other tfm op is left to the reference lowering to linalg.
  }];
  let dependentDialects = ["::kiln::KilnDialect", "::mlir::tensor::TensorDialect"];
}

def CUDAMmaAttention : Pass<"kiln-cuda-mma-attention", "::mlir::ModuleOp"> {
  let summary = "kiln.attention with f16 or bf16 operands as a FlashAttention-2 kernel on mma.sync";
  let description = [{
    Runs on @main after bufferization, before `kiln-cuda-attention-kernels`, when every target
    architecture has `mma.sync` m16n8k16 (`min-sm` >= 80). A `kiln.attention` whose query, key
    and value are all f16 or all bf16 with head dims up to 256 becomes one `gpu.launch`
    (docs/design/tensor-cores.md): a block of 4 warps per (64 query rows, head, batch), each
    warp owning 16 rows (head dims above 128: 2 warps, 32 rows, and 16 keys a tile, so that
    the stages fit 48 KB); Q staged once and each key tile's K and V staged in workgroup memory
    (head dims padded to 16 with zeros, rows by 16 bytes); S = Q·Kᵀ on the tensor cores into
    accumulator fragments, tfm.attention's score terms on each element, the online softmax on
    the fragments (a row's maximum across the 4 lanes that hold it by two `gpu.shuffle xor`),
    P rounded to the operand type and re-laid out from two accumulator fragments into one A
    fragment in registers, O += P·V on the tensor cores with V read by `ldmatrix.trans`, O
    rescaled in registers when the maximum rises, one division at the end. The kernel report
    says "flash attention, mma.sync m16n8k16 <type> (f32 accumulate)". Other attention ops
    are left to `kiln-cuda-attention-kernels`.
  }];
  let options = [
    Option<"minSM", "min-sm", "unsigned", "80",
           "the lowest SM version among the target architectures (below 80: no tensor-core kernels)">
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect", "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::vector::VectorDialect"];
}

def CUDAAttentionKernels : Pass<"kiln-cuda-attention-kernels", "::mlir::ModuleOp"> {
  let summary = "kiln.attention on buffers as one online-softmax (FlashAttention) kernel";
  let description = [{
    Runs on @main after bufferization. Each `kiln.attention` on buffers becomes one
    `gpu.launch` (docs/design/flash-attention.md): a block of 256 threads per (query tile,
    head, batch), T threads per query row (a power of two such that each holds at most 16
    elements of the query and of the output row; T = 4 for head dim 64), K and V tiles (and
    the mask's tile) staged in workgroup memory in f32 with coalesced loads, each score a dot
    product of T partial sums combined by `gpu.shuffle xor`, then tfm.attention's score terms
    (the code the reference lowering uses), the running maximum, sum and output row in
    registers, rescaled only when a key raises the maximum, and one division at the end (a
    row whose keys are all hidden gives zeros). Causal and sliding-window limits are computed from positions and
    also bound the key tiles a block visits; grouped-query attention reads KV head
    `h / (Hq / Hkv)`, so repeated K and V are never materialised.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect"];
}

def CUDANormKernels : Pass<"kiln-cuda-norm-kernels", "::mlir::ModuleOp"> {
  let summary = "kiln.layer_norm and kiln.rms_norm on buffers as one kernel per row";
  let description = [{
    Runs on @main after bufferization. Each norm becomes one `gpu.launch` with a block per row
    (the dims before `axis`), of 32 to 256 threads (the normalised length rounded up to a
    power of two): each thread folds a strided share of the row (coalesced loads) in f32,
    the block combines the shares by warp shuffles and one value per warp in workgroup
    memory, and the same threads write the normalised row. Layer norm: the mean, then the
    biased variance of the centred row (two passes, as the reference computes them), then
    `(x - mean) / sqrt(var + epsilon) * scale + bias`; RMS norm: `x / sqrt(mean(x^2) +
    epsilon) * scale`. Six kernels of the reference lowering become one.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect"];
}

def CUDACopiesToLinalg : Pass<"kiln-cuda-copies-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "memref.copy as linalg.copy, so that copies become kernels too";
  let description = [{
    Bufferization writes copies between buffers as `memref.copy`, whose LLVM lowering is a
    host loop (or `memrefCopy`). On the GPU every byte of a tensor lives in device memory, so
    a copy is an elementwise op like any other: this pass rewrites each into `linalg.copy`,
    which the following linalg lowering turns into a parallel loop and
    `kiln-cuda-map-kernels` into a kernel.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def CUDAMmaContractions : Pass<"kiln-cuda-mma-contractions", "::mlir::ModuleOp"> {
  let summary = "contractions of @main with f16 or bf16 (or TF32) operands as mma.sync tensor-core kernels";
  let description = [{
    Runs on @main's linalg ops on buffers, before `kiln-cuda-tile-contractions`, when every
    target architecture has `mma.sync` m16n8k16 for 16-bit floats (`min-sm` >= 80). A
    contraction (as `kiln-cuda-tile-contractions` defines it) whose operands are both f16 or
    both bf16, whose output is f32 and whose body is `out + ext(a) * ext(b)` becomes a
    `gpu.launch` of 128-thread blocks (4 warps, 2x2) over 64x64 output tiles (grid x over n,
    y over m, z over the other parallel dims); each warp keeps its 32x32 outputs in registers
    as 2x4 m16n8 accumulator fragments (`vector<2x2xf32>`) across the whole k loop. For each
    32-wide step of k the block stages both operands' slices in workgroup memory (zero
    outside the operands; rows padded by 16 bytes, so the 8 rows an `ldmatrix` reads fall in
    different banks and stay 16-byte aligned), waits at a barrier, and each warp loads its
    fragments with `nvgpu.ldmatrix` (the rhs transposed) and issues 16 `nvgpu.mma.sync`.
    Products are exact and the sums are f32, in the tensor cores' order (not the op's). The
    fill and epilogue fuse as in `kiln-cuda-tile-contractions`; the launch's location records
    "mma.sync m16n8k16 <type>" for the kernel report.

    With `tf32` (`kiln-compile --precision=tf32`), contractions whose operands are both f32
    run the same kernel on `mma.sync` m16n8k8 `.tf32`: f32 stages (lhs rows padded by 16
    bytes, rhs rows by 32), fragments by plain loads (ldmatrix moves 16-bit elements), 4 k8
    steps per staged slice; the tensor cores read the top 19 bits of each operand (a 10-bit
    mantissa) and accumulate in f32. The report says "mma.sync m16n8k8 tf32".
  }];
  let options = [
    Option<"minSM", "min-sm", "unsigned", "80",
           "the lowest SM version among the target architectures (below 80: no tensor-core kernels)">,
    Option<"tf32", "tf32", "bool", "false",
           "also run contractions of f32 operands on the tensor cores, as TF32">
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::nvgpu::NVGPUDialect", "::mlir::vector::VectorDialect"];
}

def CUDATileContractions : Pass<"kiln-cuda-tile-contractions", "::mlir::ModuleOp"> {
  let summary = "contractions of @main as register-blocked kernels with their fill and epilogue";
  let description = [{
    Runs on @main's linalg ops on buffers, before they become loops. A contraction (two
    inputs, a multiply-accumulate body, projected-permutation maps, one reduction dim) becomes
    a `gpu.launch` of 16x16-thread blocks over tiles of 16r x 16r outputs of its innermost m
    and n dims (grid x over n, y over m, z over all other parallel dims). Thread (tx, ty)
    keeps the r x r outputs (ty + 16i, tx + 16j) of its tile in registers; r is 4 unless
    static sizes show that a smaller tile wastes fewer threads or that 64x64 tiles would leave
    the GPU with fewer than 128 blocks. For each 16-wide step of k the block stages both
    operands' slices in workgroup memory (zero outside the operands, consecutive threads
    reading consecutive elements of the contiguous dim, the rhs rows padded against bank
    conflicts), waits at a barrier, and each thread folds the op's own body over the 16 steps
    into each of its outputs, so every element is the same sum in the same order as the op's
    loops compute it. Indices come from the op's indexing maps, so transposed and broadcast
    operands need no copies.

    The accumulators start from the value of a `linalg.fill` of the output when that is all
    that writes it before; otherwise from the output's contents. An all-parallel linalg op
    (a generic: bias, activation, residual add, cast; or the copy into a graph output) that is
    the output's only later reader becomes the kernel's epilogue when nothing writes memory
    in between and its result does not alias the operands: its body is applied to each result
    in registers and stored to its output, and the product never goes through memory. The
    launch's location carries the tiling (FusedLoc metadata `kernel`, which outlining keeps)
    for the kernel report.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"];
}

def CUDAMapRowReductions : Pass<"kiln-cuda-map-row-reductions", "::mlir::ModuleOp"> {
  let summary = "row reductions of @main as one block per output with a shared-memory tree";
  let description = [{
    Runs on @main after its linalg ops became loops, before `kiln-cuda-map-kernels`. An
    outermost `scf.parallel` whose body is one `scf.for` that folds values read from one
    buffer into an output element with an associative, commutative combiner
    (`out[i] = combine(out[i], v(i, k))`: sums, maxima and minima of softmax, layer and RMS
    norms, ReduceSum/Mean/Max/...) becomes a `gpu.launch` with one block of 64 threads per
    output element: each thread folds a strided share of the reduction range into a private
    value (from the combiner's neutral element), the block combines the 64 values in
    workgroup memory in log2(64) barrier-separated steps, and thread 0 combines the result
    into the output. Reads are coalesced across the block; the sum is reassociated (as any
    parallel reduction is). Contractions (two operands read along the reduction) are left to
    `kiln-cuda-map-kernels`.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"];
}

def CUDAMapKernels : Pass<"kiln-cuda-map-kernels", "::mlir::ModuleOp"> {
  let summary = "split @main on buffers into gpu.launch kernels and host code";
  let description = [{
    Runs on @main after its linalg ops became loops on buffers. Every byte of a tensor is in
    device memory, so every access to tensor data moves to the GPU:

    - each outermost `scf.parallel` becomes a `gpu.launch` with one thread per iteration:
      the parallel dims are linearised into one range split into blocks of 256 threads, each
      thread delinearises its index and runs the loop body (reduction dims stay sequential
      loops inside the thread);
    - a host loop or conditional without results that reads or writes buffers (a reduction
      over all dims, for instance) runs as one thread of a one-block kernel, and so does a
      store left on the host;
    - a load left on the host (a value that decides a shape or a loop bound) reads device
      memory through the runtime (`kiln_rt_device_read`), and so does the shape operand of a
      `memref.reshape`, which becomes a `memref.reinterpret_cast` with sizes read that way.

    @main_shapes runs on the host with host data and is left alone. A host op the pass
    cannot place is an error naming its ONNX node.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
}

def CUDASinkVectorConstants : Pass<"kiln-cuda-sink-vector-constants", "::mlir::ModuleOp"> {
  let summary = "vector constants used in a gpu.launch into it, before outlining";
  let description = [{
    Canonicalisation hoists constants out of `gpu.launch` bodies (which are not isolated from
    above), and outlining turns every value a kernel uses from outside into a kernel
    parameter; a vector (an mma accumulator's zero start) cannot be one. Each
    `arith.constant` of vector type used inside a launch is cloned into it. Scalar constants
    stay parameters.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def CUDAMergeKernelModules : Pass<"kiln-cuda-merge-kernel-modules", "::mlir::ModuleOp"> {
  let summary = "move every outlined kernel into one gpu.module @kiln_kernels";
  let description = [{
    `gpu-kernel-outlining` makes one `gpu.module` per kernel; Kiln ships one device module
    per architecture, so the kernels (and the device functions they call) move into one
    `gpu.module @kiln_kernels`, renamed `kiln_kernel_<i>` in program order, and every
    `gpu.launch_func` is updated to match. Each kernel of known block size gets a register
    budget (`nvvm.maxnreg`: two blocks per SM's 64K registers, at most 255), so that ptxas
    does not trade spills for occupancy. The module records the kernel names
    (`kiln.kernels`), the locations they come from (`kiln.kernel_origins`) and their grid and
    block sizes (`kiln.kernel_launches`, "?" where known only at run time) for the artifact's
    kernel table and `--kernel-report`.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def CUDALowerRuntimeErrors : Pass<"kiln-cuda-lower-runtime-errors", "::mlir::ModuleOp"> {
  let summary = "kiln.index_error in kernels as a store into the module's error record";
  let description = [{
    Runs on outlined kernels. Each `kiln.index_error` in a `gpu.func` stores its site number
    (one per site, in program order, starting at 1), the index and the dim into the device
    global `@kiln_error` (`memref<4xi64>`: site, index, dim, unused) of its `gpu.module`. The
    top-level module records the site names (`kiln.error_sites`, an array of strings) for
    the artifact's `site` records. Reports in host code are
    `kiln-lower-host-runtime-errors`'s.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect"];
}

def CUDAEmulationKernels : Pass<"kiln-cuda-emulation-kernels", "::mlir::ModuleOp"> {
  let summary = "copy every kernel into host code for the emulated CUDA device";
  let description = [{
    Runs on the outlined kernels after the last Kiln transformation they go through, so the
    emulated device runs the IR that becomes PTX. Each `gpu.func @kiln_kernel_<i>` of
    `@kiln_kernels` gets a host twin `func.func @kiln_emu_kernel_<i>(%thread: i64, args...)`:
    thread, block and grid ids and sizes are read from the emulated thread `%thread`
    (`kiln_emu_id(%thread, which)`), `gpu.barrier` waits for the block
    (`kiln_emu_barrier(%thread)`), device globals become host globals `@kiln_emu_<name>`,
    and every load and store of a buffer checks its indices against the buffer's sizes: an
    access out of bounds is reported (`kiln_emu_fault(%thread, index, size)`) and not made.
    The warp collectives wait for the warp in the emulator: `gpu.shuffle`
    (`kiln_emu_shuffle`), and `nvgpu.ldmatrix` (the thread's row read with checked loads) and
    `nvgpu.mma.sync` m16n8k16 with 16-bit operands (`kiln_emu_matrix`, the fragments packed
    into i64 words), computed with the PTX ISA's lane layouts.
    The twins are host code like any other; `kiln-cuda-emulation-entries` gives each an entry
    that takes `cuLaunchKernel`'s parameter array.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect"];
}

def CUDAPlanDeviceMemory : Pass<"kiln-cuda-plan-device-memory", "::mlir::ModuleOp"> {
  let summary = "the entry's intermediate buffers as views of one arena, planned by lifetime";
  let description = [{
    Runs on the host code after the kernels are outlined. In each function that launches
    kernels, every `memref.alloc` of the entry block (identity layout, int or float elements,
    no memory space) that is freed by one `memref.dealloc` in that block, does not escape,
    and whose dynamic sizes are pure arithmetic on the function's arguments, becomes a
    `memref.view` of one arena allocated where the function starts and freed where it ends.

    A buffer lives from its allocation to the last op of the entry block that uses it or
    anything derived from it (a view, a cast, a loop result). The launches of a run are
    ordered on one stream, so a buffer can take a slot as soon as the last op using the
    slot's previous buffer has been issued. Buffers are given slots in program order: a free
    slot whose last buffer has the same type and sizes, else the free slot closest in static
    size, else a new slot. The size computations move to the function's start; each slot is
    as large as its largest buffer there (`arith.maxui`), rounded up to 256 bytes, and placed
    after the slots before it, so the plan is one compile-time structure valid for every
    value of the dims. The module's `kiln.memory_plan` says what was planned, for
    `kiln-compile --kernel-report`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::memref::MemRefDialect"];
}

def CUDAEmulationEntries : Pass<"kiln-cuda-emulation-entries", "::mlir::ModuleOp"> {
  let summary = "an entry per emulated kernel taking cuLaunchKernel's parameter array";
  let description = [{
    Runs on the LLVM dialect. For each `@kiln_emu_kernel_<i>` it defines
    `@kiln_emu_entry_<i>(i64 thread, ptr params)`, which loads parameter j through
    `params[j]` (a pointer to its value, as `cuLaunchKernel` takes them) and calls the kernel.
    The module records the entries (`kiln.emulation_kernels`), how many parameters each
    reads (`kiln.emulation_param_counts`: the emulator copies them at the launch, as
    `cuLaunchKernel` does) and the device globals with their sizes
    (`kiln.emulation_globals`) for the artifact's emulation image.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def CUDALegalizeKernelMath : Pass<"kiln-cuda-legalize-kernel-math",
                                  "::mlir::gpu::GPUModuleOp"> {
  let summary = "rewrite math ops the NVVM lowering has no pattern for";
  let description = [{
    `convert-gpu-to-nvvm` lowers floating-point math to libdevice and LLVM intrinsics but has
    no pattern for some integer ops: `math.absi` becomes `max(x, 0 - x)` (the same result for
    the most negative value, as two's complement gives).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def CUDALowerBF16Mma : Pass<"kiln-cuda-lower-bf16-mma", "::mlir::gpu::GPUModuleOp"> {
  let summary = "nvgpu.mma.sync with bf16 operands as nvvm.mma.sync";
  let description = [{
    `convert-nvgpu-to-nvvm` deduces the PTX types of `nvgpu.mma.sync` from its element types
    and has none for bf16, which PTX has (`mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32`,
    sm_80+). This pass lowers those ops itself, before it: each `vector<2xbf16>` row of the A
    and B fragments becomes the i32 register it is (bitcast), the four f32 accumulators are
    passed as scalars, and the result struct becomes the `vector<2x2xf32>` fragment again.
  }];
  let dependentDialects = ["::mlir::NVVM::NVVMDialect", "::mlir::LLVM::LLVMDialect",
                           "::mlir::vector::VectorDialect"];
}

def GPULaunchToRuntime : Pass<"kiln-gpu-launch-to-runtime", "::mlir::ModuleOp"> {
  let summary = "gpu.launch_func as a call to the runtime's kiln_rt_launch";
  let description = [{
    Each `gpu.launch_func @kiln_kernels::@kiln_kernel_<k>` becomes
    `kiln_rt_launch(k, grid x/y/z, block x/y/z, shared bytes, params, count)`: the kernel's
    parameters, in the order the NVVM lowering gives them (a memref expands to its allocated
    and aligned pointers, offset, sizes and strides; the aligned pointer stands for both),
    each stored in an 8-byte slot of a stack array whose address is `params`. The runtime
    hands the slots to `cuLaunchKernel` (or the emulated device) on the session's stream.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect", "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // KILN_CODEGEN_CUDA_PASSES
