//===- CUDAEmulatorMatrix.h - warp-collective matrix ops, emulated -*- C++ -*-===//
//
// What nvgpu.ldmatrix and nvgpu.mma.sync compute across a warp, in the lane layouts of the PTX
// ISA (runtime/lib/abi.h, KILN_EMU_MATRIX_*; docs/design/cuda-emulator.md).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_CUDAEMULATORMATRIX_H
#define KILN_RUNTIME_CUDAEMULATORMATRIX_H

#include <cstdint>
#include <string>

namespace kiln {

/// The op's name as the kernel's IR has it ("nvgpu.ldmatrix", "nvgpu.mma.sync").
const char *matrixOpName(int64_t op);

/// Completes matrix op `op` for one warp: `words[lane]` holds that lane's operands on entry
/// and its result fragment on return. Empty, or why the op cannot run (an unknown op, a tile
/// count ldmatrix does not have), in which case no lane's words change.
std::string completeMatrixOp(int64_t op, int64_t *const words[32]);

} // namespace kiln

#endif // KILN_RUNTIME_CUDAEMULATORMATRIX_H
