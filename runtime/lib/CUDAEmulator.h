//===- CUDAEmulator.h - the emulated CUDA device ----------------*- C++ -*-===//
//
// A test instrument (docs/design/cuda-emulator.md): a CUDA driver that runs on the CPU, so
// that the runtime's CUDA backend, and every kernel Kiln emits, run in CI without a GPU.
// It fills the same CUDADriver table as libcuda: device memory is host memory, a module is
// the host twins of a CUDA artifact's kernels (kiln_emu_image, runtime/lib/abi.h), and a
// launch runs every thread of every block, in an order shuffled by KILN_EMULATOR_SEED,
// kernels with barriers as one fiber per thread. A barrier that not every thread of a block
// reaches, and a buffer access out of bounds, fail the launch with a message naming the
// kernel, the block, the thread and the access.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_CUDAEMULATOR_H
#define KILN_RUNTIME_CUDAEMULATOR_H

#include "runtime/lib/CUDADriver.h"

namespace kiln {

/// The emulated driver: always available, one device (ordinal 0).
const CUDADriver &emulatedCUDADriver();

} // namespace kiln

#endif // KILN_RUNTIME_CUDAEMULATOR_H
