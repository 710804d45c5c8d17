//===- CPUPasses.td - passes of the CPU target -------------*- tablegen -*-===//
//
// Passes only the CPU target runs (docs/design/targets.md): contractions handed to the
// runtime's GEMM, parallel loops on the runtime's threads, vectorisable math, the entry's C
// interface.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CPU_PASSES
#define KILN_CODEGEN_CPU_PASSES

include "mlir/Pass/PassBase.td"

def ContractionToRuntimeGemm : Pass<"kiln-contraction-to-runtime-gemm", "::mlir::ModuleOp"> {
  let summary = "replace f32 matrix contractions on buffers by calls to the runtime's GEMM";
  let description = [{
    Runs after bufferization. A linalg op that is a contraction (multiply-add body) with f32
    operands and projected-permutation maps becomes, for each index of its other dims (batch
    dims, and m, n or k dims beyond the innermost of each), a call
    `kiln_rt_gemm_f32(m, n, k, A, a_sm, a_sk, B, b_sk, b_sn, C, c_sm, c_sn)` with element
    strides read from the buffers' strided metadata, so transposed, broadcast (stride 0 over a
    batch dim) and sliced operands need no copy. The runtime hands it to a tuned BLAS over the
    session's threads. Contractions of other forms stay linalg and become loops.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect", "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect", "::mlir::func::FuncDialect"];
}

def OutlineParallelLoops : Pass<"kiln-outline-parallel-loops", "::mlir::ModuleOp"> {
  let summary = "run outermost scf.parallel nests on the runtime's threads";
  let description = [{
    Runs on buffers after linalg became scf.parallel loops. Every outermost `scf.parallel`
    without results becomes `call @kiln_parallel_launch_<i>(n, grain, captures...)`: all
    parallel dims but the innermost are linearised into `n` outer iterations (the innermost
    stays a sequential loop for vectorisation), the body moves to
    `@kiln_parallel_body_<i>(begin, end, captures...)` with constants cloned in, and `grain`
    is computed at run time so that a chunk does at least 32768 innermost iterations (small
    loops run inline). The launch declarations are defined by
    `kiln-materialize-parallel-launches` once the program is in the LLVM dialect.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect", "::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect"];
}

def MaterializeParallelLaunches : Pass<"kiln-materialize-parallel-launches",
                                       "::mlir::ModuleOp"> {
  let summary = "define the parallel launch declarations as runtime parallel_for calls";
  let description = [{
    Runs on the LLVM dialect. Each external `kiln_parallel_launch_<i>` gets a body that stores
    its captured arguments into a stack struct and calls
    `kiln_rt_parallel_for(n, grain, @kiln_parallel_thunk_<i>, &struct)`; the generated thunk
    loads the captures and calls `kiln_parallel_body_<i>(begin, end, captures...)`, which must
    have the launch's signature. The artifact's stub forwards `kiln_rt_parallel_for` to the
    runtime (runtime/lib/abi.h).
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def ApproximateMath : Pass<"kiln-approximate-math", "::mlir::func::FuncOp"> {
  let summary = "replace math.erf, math.exp and math.tanh by polynomial approximations";
  let description = [{
    Applies upstream's f32 polynomial approximations to `math.erf`, `math.exp` and
    `math.tanh` so that loops containing them vectorise instead of calling libm per element.
    Other math ops keep their libm lowering.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // KILN_CODEGEN_CPU_PASSES
