/*===- abi.h - The ABI between generated model code and the runtime -------===*
 *
 * Internal, not public. The code section of a CPU artifact is an ELF shared
 * object that exports exactly one symbol, `kiln_module`, of type
 * kiln_gen_module. kiln-compile embeds this header verbatim in the C stub it
 * links into every model (codegen/CPUCodeGen.cpp), and the runtime includes
 * it, so the two cannot drift apart. Any change bumps KILN_GEN_ABI_VERSION
 * (checked when a model is loaded). Plain C; no MLIR or LLVM types.
 *
 * Tensors cross the ABI as MLIR ranked memref descriptors, built by the
 * runtime from the caller's dense row-major views:
 *   { void *allocated, *aligned; int64_t offset, sizes[rank], strides[rank]; }
 * which the generated `_mlir_ciface_*` entry points read directly.
 *===----------------------------------------------------------------------===*/

#ifndef KILN_RUNTIME_ABI_H
#define KILN_RUNTIME_ABI_H

#include <stdint.h>

#define KILN_GEN_ABI_VERSION 2

/* Services the runtime provides to generated code, bound once per loaded
 * model before any other call. Append-only; `size` is sizeof at the
 * runtime's version so generated code can tell which fields exist. */
typedef struct kiln_rt_api {
  uint32_t abi_version;
  uint32_t size;
  /* C[i, j] += sum_p A[i, p] * B[p, j] over i < m, j < n, p < k, single
   * precision. Each matrix is given by its base pointer and the element
   * strides of its two dims (either may be the contiguous one). Runs on the
   * calling session's threads. */
  void (*gemm_f32)(int64_t m, int64_t n, int64_t k, const float *a,
                   int64_t a_stride_m, int64_t a_stride_k, const float *b,
                   int64_t b_stride_k, int64_t b_stride_n, float *c,
                   int64_t c_stride_m, int64_t c_stride_n);
  /* Calls body(closure, begin, end) over chunks of [0, n) of at least `grain`
   * iterations on the calling session's threads; returns when all are done.
   * A nested call runs inline. */
  void (*parallel_for)(int64_t n, int64_t grain,
                       void (*body)(void *closure, int64_t begin, int64_t end),
                       void *closure);
  /* Memory for the model's intermediate buffers (at least 16-byte aligned),
   * cached by the calling session between runs. Does not return when out of
   * memory: the runtime abandons the run (RESOURCE_EXHAUSTED). */
  void *(*alloc)(uint64_t bytes);
  void (*free)(void *ptr);
  /* A data-dependent index (a Gather's) is outside [-size, size): the run
   * fails with "<site>: index <index> is out of range for a dim of size
   * <size>" once it returns. `site` is a NUL-terminated constant string in
   * the code section naming the node. Generated code continues without
   * reading through the index. Callable from any of the run's threads. */
  void (*index_error)(const char *site, int64_t index, int64_t size);
} kiln_rt_api;

/* What the model's shared object exports. */
typedef struct kiln_gen_module {
  uint32_t abi_version; /* KILN_GEN_ABI_VERSION */
  uint32_t num_inputs;
  uint32_t num_outputs;
  /* How many int64 the shapes function writes: the dynamic dims of all
   * outputs, in output order then dim order. */
  uint32_t num_output_dims;
  /* Binds the runtime's services and the base of the weights section (64-byte
   * aligned; NULL when the artifact has none). Called once per load. */
  void (*bind)(const kiln_rt_api *api, const void *weights);
  /* Runs the model: descriptors[0, num_inputs) describe the inputs,
   * descriptors[num_inputs, num_inputs + num_outputs) the caller's output
   * buffers, already of the shapes `shapes` computed. Thread-safe: keeps no
   * state between calls; intermediate buffers come from kiln_rt_api.alloc. */
  void (*run)(void *const *descriptors);
  /* Computes the dynamic output dims from the input descriptors. Reads the
   * data only of inputs the metadata marks HOST_VALUE; NULL when every output
   * dim is static. */
  void (*shapes)(void *const *input_descriptors, int64_t *out_dims);
} kiln_gen_module;

#endif /* KILN_RUNTIME_ABI_H */
