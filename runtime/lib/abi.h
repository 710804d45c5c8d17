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

#define KILN_GEN_ABI_VERSION 7

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
  /* CUDA artifacts only (NULL in a CPU session). Launches kernel `kernel`
   * (the index of its `kernel` record) on the session's stream with the given
   * grid and block sizes and dynamic shared memory bytes; params[0, count)
   * are the kernel's parameters, each in an 8-byte slot, as the NVVM
   * lowering of its signature expects them. */
  void (*launch)(int64_t kernel, int64_t grid_x, int64_t grid_y, int64_t grid_z,
                 int64_t block_x, int64_t block_y, int64_t block_z,
                 int64_t shared_bytes, const int64_t *params, int64_t count);
  /* CUDA: copies `bytes` of device memory at `src` to host memory at `dst`
   * once the work enqueued before it is done (a value that decides a shape or
   * a loop bound on the host). */
  void (*device_read)(void *dst, const void *src, int64_t bytes);
} kiln_rt_api;

/* The emulated CUDA device (docs/design/cuda-emulator.md). A CUDA artifact's
 * code also holds a host twin of every kernel, which the emulator runs one
 * emulated thread at a time; the twin reads its ids from, and reports
 * through, the kiln_emu_thread it is given. */
typedef struct kiln_emu_thread {
  /* thread id x, y, z; block id x, y, z; block size x, y, z; grid size x, y, z */
  int64_t id[12];
  void *emulator;
  /* Waits until every thread of the block has arrived (gpu.barrier). */
  void (*barrier)(struct kiln_emu_thread *self);
  /* A buffer access out of bounds: `index` for dim `dim` of size `size`. The
   * access is not made; the launch fails once it ends. */
  void (*fault)(struct kiln_emu_thread *self, int64_t dim, int64_t index,
                int64_t size);
  /* A read of element `index` of a workgroup buffer that no thread of the
   * block has written; the launch fails once it ends. */
  void (*unwritten)(struct kiln_emu_thread *self, int64_t index);
  /* A warp shuffle (gpu.shuffle of a 32-bit value, its bits in `value`):
   * waits until every thread of the warp (32 consecutive threads of the
   * block) has arrived, then returns the value of the lane that `mode`
   * (KILN_EMU_SHUFFLE_*), `offset` and `width` select, with bit 32 set when
   * that lane is within the thread's `width`-lane segment; otherwise the
   * thread's own value with bit 32 clear, as PTX's shfl.sync defines it. */
  int64_t (*shuffle)(struct kiln_emu_thread *self, int64_t value, int64_t offset,
                     int64_t width, int64_t mode);
  /* A warp-collective matrix op (nvgpu.ldmatrix, nvgpu.mma.sync), `op` one of
   * KILN_EMU_MATRIX_*: waits until every thread of the warp has arrived at the
   * same op, then replaces each thread's `words` (its operands on entry) with
   * its result fragment, in the lane layouts of the PTX ISA. 16-bit elements
   * are packed four to a word, f32 two, element 0 in the low bits. */
  void (*matrix)(struct kiln_emu_thread *self, int64_t op, int64_t *words);
} kiln_emu_thread;

/* ldmatrix.sync.aligned.m8n8.x<tiles>[.trans].b16, tiles 1, 2 or 4:
 * KILN_EMU_MATRIX_LDMATRIX | tiles << 8 | trans << 16. words[0..1] in: the 8
 * elements of the row the thread addresses (lanes 8i..8i+7 give the rows of
 * matrix i). Out: 2 elements of each matrix, words[0] matrices 0 and 1,
 * words[1] 2 and 3: row lane/4, columns 2 (lane%4) + {0,1}; transposed, rows
 * 2 (lane%4) + {0,1} of column lane/4. */
#define KILN_EMU_MATRIX_LDMATRIX 1
/* mma.sync.aligned.m16n8k16.row.col.f32.{f16,bf16}.{f16,bf16}.f32. In:
 * words[0..1] A (a0..a7), words[2] B (b0..b3), words[3..4] C (c0..c3). Out:
 * words[0..1] D (d0..d3). */
#define KILN_EMU_MATRIX_MMA_F16 2
#define KILN_EMU_MATRIX_MMA_BF16 3
/* mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32, operands as f32 bits (the tensor cores
 * read the top 19: the low 13 mantissa bits are dropped). In: words[0..1] A (a0..a3),
 * words[2] B (b0, b1), words[3..4] C (c0..c3). Out: words[0..1] D (d0..d3). */
#define KILN_EMU_MATRIX_MMA_TF32 4

#define KILN_EMU_SHUFFLE_XOR 0
#define KILN_EMU_SHUFFLE_UP 1
#define KILN_EMU_SHUFFLE_DOWN 2
#define KILN_EMU_SHUFFLE_IDX 3

/* The kernel synchronises its threads (gpu.barrier, gpu.shuffle, the matrix
 * ops): each runs as a fiber. */
#define KILN_EMU_KERNEL_BARRIERS 1u

typedef struct kiln_emu_global {
  const char *name; /* the device global's name in the cubins */
  void *address;
  uint64_t bytes;
} kiln_emu_global;

typedef struct kiln_emu_kernel {
  const char *name; /* the kernel's name in the cubins */
  uint32_t flags;   /* KILN_EMU_KERNEL_* */
  /* Runs the kernel as emulated thread `thread` (a kiln_emu_thread *) with
   * cuLaunchKernel's parameter array. */
  void (*entry)(int64_t thread, void **params);
  /* How many parameters `entry` reads: the emulator copies that many 8-byte
   * slots at the launch, as cuLaunchKernel copies the parameters. */
  uint32_t num_params;
  /* One byte per element of each workgroup buffer, set when a thread writes
   * it; the emulator clears them before each block. */
  uint32_t num_shadows;
  const kiln_emu_global *shadows;
} kiln_emu_kernel;

#define KILN_EMU_MAGIC 0x554d454bu /* "KEMU" */

/* What the emulator's cuModuleLoadData takes in place of a cubin. */
typedef struct kiln_emu_image {
  uint32_t magic;
  uint32_t num_kernels;
  uint32_t num_globals;
  const kiln_emu_kernel *kernels;
  const kiln_emu_global *globals;
} kiln_emu_image;

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
  /* CUDA artifacts: the kernels' host twins for the emulated device (NULL for
   * the CPU). */
  const kiln_emu_image *emulation;
} kiln_gen_module;

#endif /* KILN_RUNTIME_ABI_H */
