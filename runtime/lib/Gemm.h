//===- Gemm.h - Single-precision matrix multiply for generated code -------===//
//
// kiln_rt_api.gemm_f32. Uses the system's OpenBLAS when it can be loaded (dlopen'ed, never
// linked, so the runtime keeps libc as its only dependency), single-threaded per call and split
// over the session's threads by the runtime; otherwise a plain blocked loop. KILN_BLAS names
// another library exporting cblas_sgemm; KILN_BLAS=none forces the built-in loop.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_GEMM_H
#define KILN_RUNTIME_GEMM_H

#include <cstdint>

namespace kiln {

void gemmF32(int64_t m, int64_t n, int64_t k, const float *a, int64_t aSm, int64_t aSk,
             const float *b, int64_t bSk, int64_t bSn, float *c, int64_t cSm, int64_t cSn);

} // namespace kiln

#endif // KILN_RUNTIME_GEMM_H
