//===- ParallelLaunch.h - Names shared by the parallel-loop passes -*- C++ -*-===//
//
// kiln-outline-parallel-loops emits `kiln_parallel_launch_<i>` declarations and
// `kiln_parallel_body_<i>` definitions; kiln-materialize-parallel-launches finds them by these
// names after the conversion to the LLVM dialect and adds `kiln_parallel_thunk_<i>`.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_CONVERSION_LINALGTORUNTIME_PARALLELLAUNCH_H
#define KILN_PASSES_CONVERSION_LINALGTORUNTIME_PARALLELLAUNCH_H

#include "llvm/ADT/StringRef.h"

namespace kiln::parallel {

constexpr llvm::StringLiteral kLaunchPrefix = "kiln_parallel_launch_";
constexpr llvm::StringLiteral kBodyPrefix = "kiln_parallel_body_";
constexpr llvm::StringLiteral kThunkPrefix = "kiln_parallel_thunk_";
/// The runtime service the launches call (forwarded by the artifact's stub).
constexpr llvm::StringLiteral kParallelFor = "kiln_rt_parallel_for";

} // namespace kiln::parallel

#endif // KILN_PASSES_CONVERSION_LINALGTORUNTIME_PARALLELLAUNCH_H
