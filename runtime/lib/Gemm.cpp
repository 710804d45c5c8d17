//===- Gemm.cpp - Single-precision matrix multiply for generated code -----===//

#include "runtime/lib/Gemm.h"

#include "runtime/lib/ThreadPool.h"

#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <dlfcn.h>

using namespace kiln;

namespace {

enum { RowMajor = 101, NoTrans = 111, Trans = 112 };
using SgemmFn = void (*)(int order, int transA, int transB, int m, int n, int k, float alpha,
                         const float *a, int lda, const float *b, int ldb, float beta, float *c,
                         int ldc);

struct Blas {
  SgemmFn sgemm = nullptr;
};

const Blas &blas() {
  static Blas loaded = [] {
    Blas result;
    const char *env = std::getenv("KILN_BLAS");
    if (env && std::strcmp(env, "none") == 0)
      return result;
#if defined(__x86_64__)
    // OpenBLAS picks its kernels by CPU model; Debian 12's 0.3.21 does not know CPUs newer
    // than itself and falls back to its SSE3 ("Prescott") kernels, 2-3x slower. Name the
    // kernel family from the instruction set instead, unless the user already chose one.
    // (setenv happens once, before the library is loaded, on the first GEMM.)
    if (!std::getenv("OPENBLAS_CORETYPE")) {
      __builtin_cpu_init();
      if (__builtin_cpu_supports("avx512f"))
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
      else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        setenv("OPENBLAS_CORETYPE", "Haswell", 0);
    }
#endif
    for (const char *lib : {env, "libopenblas.so.0", "libblis.so.4"}) {
      if (!lib)
        continue;
      void *handle = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
      if (!handle)
        continue;
      auto sgemm = reinterpret_cast<SgemmFn>(dlsym(handle, "cblas_sgemm"));
      if (!sgemm) {
        dlclose(handle);
        continue;
      }
      // The runtime splits work over the session's threads; the library must not add its own.
      if (auto setThreads =
              reinterpret_cast<void (*)(int)>(dlsym(handle, "openblas_set_num_threads")))
        setThreads(1);
      if (auto setThreads = reinterpret_cast<void (*)(int)>(dlsym(handle, "bli_thread_set_num_threads")))
        setThreads(1);
      result.sgemm = sgemm;
      break;
    }
    return result;
  }();
  return loaded;
}

/// One operand as BLAS wants it: transposed or not, with a leading dimension.
struct Operand {
  bool ok = false, trans = false;
  int64_t ld = 0;
};

/// rows x cols with element strides (sr, sc): row-major if sc == 1, transposed if sr == 1.
Operand classify(int64_t rows, int64_t cols, int64_t sr, int64_t sc) {
  if (rows == 1)
    sr = cols; // the row stride of a single row is irrelevant
  if (cols == 1)
    sc = 1, sr = rows == 1 ? 1 : sr;
  if (sc == 1 && sr >= std::max<int64_t>(cols, 1))
    return {true, false, sr};
  if (sr == 1 && sc >= std::max<int64_t>(rows, 1))
    return {true, true, sc};
  return {};
}

void referenceGemm(int64_t m0, int64_t m1, int64_t n, int64_t k, const float *a, int64_t aSm,
                   int64_t aSk, const float *b, int64_t bSk, int64_t bSn, float *c, int64_t cSm,
                   int64_t cSn) {
  for (int64_t i = m0; i < m1; ++i)
    for (int64_t p = 0; p < k; ++p) {
      float x = a[i * aSm + p * aSk];
      const float *bp = b + p * bSk;
      float *ci = c + i * cSm;
      if (bSn == 1 && cSn == 1)
        for (int64_t j = 0; j < n; ++j)
          ci[j] += x * bp[j];
      else
        for (int64_t j = 0; j < n; ++j)
          ci[j * cSn] += x * bp[j * bSn];
    }
}

struct Job {
  int64_t m, n, k;
  const float *a;
  int64_t aSm, aSk;
  const float *b;
  int64_t bSk, bSn;
  float *c;
  int64_t cSm, cSn;
  Operand oa, ob;
  bool useBlas;
  bool splitRows;
};

void runJob(void *closure, int64_t begin, int64_t end) {
  const Job &j = *static_cast<const Job *>(closure);
  if (!j.useBlas) {
    referenceGemm(begin, end, j.n, j.k, j.a, j.aSm, j.aSk, j.b, j.bSk, j.bSn, j.c, j.cSm, j.cSn);
    return;
  }
  const float *a = j.a, *b = j.b;
  float *c = j.c;
  int64_t m = j.m, n = j.n;
  if (j.splitRows) {
    a += begin * j.aSm, c += begin * j.cSm, m = end - begin;
  } else {
    b += begin * j.bSn, c += begin * j.cSn, n = end - begin;
  }
  blas().sgemm(RowMajor, j.oa.trans ? Trans : NoTrans, j.ob.trans ? Trans : NoTrans, int(m),
               int(n), int(j.k), 1.0f, a, int(j.oa.ld), b, int(j.ob.ld), 1.0f, c, int(j.cSm));
}

} // namespace

void kiln::gemmF32(int64_t m, int64_t n, int64_t k, const float *a, int64_t aSm, int64_t aSk,
                   const float *b, int64_t bSk, int64_t bSn, float *c, int64_t cSm,
                   int64_t cSn) {
  if (m <= 0 || n <= 0 || k <= 0)
    return;
  Job job{m, n, k, a, aSm, aSk, b, bSk, bSn, c, cSm, cSn, {}, {}, false, true};
  // C must be row-major; a column-major C is the transposed product.
  if (cSn != 1 && (cSm == 1 || m == 1) && n > 1) {
    job = Job{n, m, k, b, bSn, bSk, a, aSk, aSm, c, cSn, cSm, {}, {}, false, true};
  }
  constexpr int64_t intMax = 0x7fffffff;
  job.oa = classify(job.m, job.k, job.aSm, job.aSk);
  job.ob = classify(job.k, job.n, job.bSk, job.bSn);
  if (job.m == 1)
    job.cSm = job.n;
  job.useBlas = blas().sgemm && job.oa.ok && job.ob.ok && job.cSn == 1 && job.cSm >= job.n &&
                job.m < intMax && job.n < intMax && job.k < intMax && job.oa.ld < intMax &&
                job.ob.ld < intMax && job.cSm < intMax;
  ThreadPool *pool = ThreadPool::current();
  // Split the larger of m and n over the threads; at least 16 rows or columns per chunk.
  job.splitRows = !job.useBlas || job.m >= job.n;
  int64_t extent = job.splitRows ? job.m : job.n;
  int64_t work = job.m * job.n * job.k;
  if (!pool || work < (int64_t(1) << 16))
    runJob(&job, 0, extent);
  else
    pool->parallelFor(extent, 16, runJob, &job);
}
