//===- CUDAEmulatorGrid.h - one kernel launch on the emulated device -*- C++ -*-===//

#ifndef KILN_RUNTIME_CUDAEMULATORGRID_H
#define KILN_RUNTIME_CUDAEMULATORGRID_H

#include "runtime/lib/abi.h"

#include <string>

namespace kiln {

/// Runs `kernel` over `grid` blocks of `block` threads (each at least 1, at most 1024 threads
/// a block) with cuLaunchKernel's parameter array. False, with what the first failing thread
/// did in `failure` (a barrier or shuffle it skipped, an out-of-bounds access), when a block
/// fails; the blocks after it do not run.
bool runGrid(const kiln_emu_kernel &kernel, const unsigned grid[3], const unsigned block[3],
             void **params, std::string &failure);

} // namespace kiln

#endif // KILN_RUNTIME_CUDAEMULATORGRID_H
