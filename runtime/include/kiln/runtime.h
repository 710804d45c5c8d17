/*===- kiln/runtime.h - The Kiln runtime C API -------------------------------===*
 *
 * Kiln compiles an ONNX transformer ahead of time into one artifact file
 * (`kiln-compile MODEL.onnx -o MODEL.kiln --target=cpu|cuda`). This runtime
 * loads the artifact and runs it on buffers the caller owns. It links neither
 * LLVM nor MLIR; it needs libc, and libcuda.so.1 (loaded on demand) for CUDA
 * artifacts. Format and ABI: docs/design/runtime-and-artifact.md.
 *
 * Objects
 *   kiln_options  settings read by kiln_model_load* and kiln_session_create.
 *   kiln_model    a loaded artifact: signature, weights, code. Immutable;
 *                 share one across threads.
 *   kiln_session  what one thread at a time runs a model with: worker
 *                 threads, scratch memory, and for CUDA a stream. Create one
 *                 per concurrent caller; sessions of a model run in parallel.
 *   kiln_status   an error: a code and a message. NULL means success.
 *
 * Errors
 *   Every call that can fail returns `kiln_status *`: NULL on success, else a
 *   status the caller owns and frees with kiln_status_release. Messages say
 *   what and where, e.g.
 *     kiln_session_run: 'bert.kiln': input 'input_ids': element type int32,
 *     expected int64
 *   Out-parameters (`out_*`) are written only on success. No call aborts the
 *   process on bad input: wrong counts, names, element types, shapes, devices,
 *   NULL or misaligned pointers and corrupt artifacts are all statuses.
 *
 * Example (CPU, one input, one output, error handling shortened to CHECK):
 *
 *   #define CHECK(call) do { kiln_status *s_ = (call); if (s_) {        \
 *       fprintf(stderr, "%s\n", kiln_status_message(s_));               \
 *       kiln_status_release(s_); exit(1); } } while (0)
 *
 *   kiln_model *model;
 *   CHECK(kiln_model_load("bert.kiln", NULL, &model));
 *   kiln_session *session;
 *   CHECK(kiln_session_create(model, NULL, &session));
 *
 *   int64_t ids[2 * 128] = {0};            // input_ids: int64 [batch, seq]
 *   int64_t in_dims[2] = {2, 128};
 *   kiln_tensor in = {0};
 *   in.name = "input_ids";
 *   in.element_type = KILN_ELEMENT_TYPE_INT64;
 *   in.device = KILN_DEVICE_CPU;
 *   in.rank = 2;
 *   in.dims = in_dims;
 *   in.data = ids;
 *   in.byte_size = sizeof ids;
 *
 *   // Output shapes depend on batch and seq: ask, then allocate.
 *   CHECK(kiln_session_infer_shapes(session, &in, 1));
 *   int32_t rank;
 *   const int64_t *dims;
 *   CHECK(kiln_session_output_shape(session, 0, &rank, &dims));
 *   uint64_t n = 1;
 *   for (int32_t i = 0; i < rank; ++i) n *= (uint64_t)dims[i];
 *   float *logits = (float *)malloc(n * sizeof(float));
 *
 *   kiln_tensor out = {0};
 *   out.index = 0;                          // name NULL: bind by index
 *   out.element_type = KILN_ELEMENT_TYPE_FLOAT32;
 *   out.device = KILN_DEVICE_CPU;
 *   out.rank = rank;
 *   out.dims = dims;
 *   out.data = logits;
 *   out.byte_size = n * sizeof(float);
 *   CHECK(kiln_session_run(session, &in, 1, &out, 1));
 *
 *   free(logits);
 *   kiln_session_release(session);
 *   kiln_model_release(model);
 *
 * runtime/examples/run_model.c is the complete, compiled version.
 *
 * Compatibility
 *   Enums, struct fields and functions are append-only: values are never
 *   renumbered or reused. Structs the runtime hands out (kiln_tensor_info)
 *   may grow at the end; structs the caller fills (kiln_tensor) are frozen
 *   and would be succeeded by a new type and new functions.
 *
 * Plain C99; usable from C++ (declarations are extern "C").
 *===----------------------------------------------------------------------===*/

#ifndef KILN_RUNTIME_H
#define KILN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

/* KILN_API marks the exported functions. Define KILN_STATIC when linking the
 * static library into a program that should not re-export them. */
#if defined(KILN_STATIC)
#define KILN_API
#elif defined(__GNUC__)
#define KILN_API __attribute__((visibility("default")))
#else
#define KILN_API
#endif

/* A returned status must be looked at (and released); ignoring one leaks it
 * and hides the error. */
#if defined(__GNUC__)
#define KILN_MUST_CHECK __attribute__((warn_unused_result))
#else
#define KILN_MUST_CHECK
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*===----------------------------------------------------------------------===*
 * Versions
 *===----------------------------------------------------------------------===*/

/* The version of this header. kiln_version() is the library's; they differ
 * when a program runs against a newer shared library than it was built with,
 * which is supported within the same major version. */
#define KILN_VERSION_MAJOR 0
#define KILN_VERSION_MINOR 1
#define KILN_VERSION_PATCH 0

/* The newest artifact format version this header documents. */
#define KILN_ARTIFACT_FORMAT_VERSION 1

/* The library's version as "MAJOR.MINOR.PATCH". Static storage, never freed;
 * thread-safe. */
KILN_API const char *kiln_version(void);

/* The newest artifact format version the library reads. It reads every
 * version from 1 up to this one and rejects newer artifacts with
 * KILN_UNIMPLEMENTED. Thread-safe. */
KILN_API uint32_t kiln_artifact_format_version(void);

/*===----------------------------------------------------------------------===*
 * Status
 *===----------------------------------------------------------------------===*/

/* Canonical error codes. Values are those of absl::StatusCode / gRPC, so a
 * binding can map them one to one. Append-only; gaps are codes Kiln does not
 * use yet. */
typedef enum kiln_code {
  KILN_OK = 0,
  /* The caller passed something wrong: a NULL handle, a bad tensor view, an
   * artifact that is not a Kiln artifact, an out-of-range option. */
  KILN_INVALID_ARGUMENT = 3,
  /* A file, or an input/output name, does not exist. */
  KILN_NOT_FOUND = 5,
  /* The artifact file cannot be read with the process's permissions. */
  KILN_PERMISSION_DENIED = 7,
  /* Memory (host or device) or a configured limit ran out. */
  KILN_RESOURCE_EXHAUSTED = 8,
  /* The call is valid but the state is not: a session already running on
   * another thread, an artifact needing CPU features this machine lacks, a
   * CUDA context poisoned by an earlier fault. */
  KILN_FAILED_PRECONDITION = 9,
  /* Something this runtime does not implement: a newer format version, an
   * unknown target or required section, a CUDA artifact on a CPU-only build. */
  KILN_UNIMPLEMENTED = 12,
  /* A bug in Kiln (compiler or runtime); the message says where. */
  KILN_INTERNAL = 13,
  /* A resource outside Kiln is missing: no libcuda.so.1, no such device, the
   * model's code cannot be mapped executable. Retrying elsewhere may work. */
  KILN_UNAVAILABLE = 14,
  /* The artifact is damaged: truncated, a checksum mismatch, overlapping or
   * out-of-range sections, malformed metadata. */
  KILN_DATA_LOSS = 15,
  KILN_CODE_FORCE_32BIT_ = 0x7fffffff
} kiln_code;

/* An error: a code and a message. Opaque, immutable. Owned by whoever
 * received it from a kiln_* call until passed to kiln_status_release; may be
 * read and released from any thread; independent of every other object (it
 * outlives the model or session that produced it). */
typedef struct kiln_status kiln_status;

/* The status's code; KILN_OK for NULL. Thread-safe. */
KILN_API kiln_code kiln_status_code(const kiln_status *status);

/* The status's message: one line, lower-case, no trailing period, starting
 * with the function's name. "ok" for NULL. Owned by the status; valid until
 * kiln_status_release. Thread-safe. */
KILN_API const char *kiln_status_message(const kiln_status *status);

/* Frees a status. NULL is a no-op. If memory runs out while an error is being
 * reported, calls return a static KILN_RESOURCE_EXHAUSTED status; releasing
 * it is also a no-op, so every status is released the same way. */
KILN_API void kiln_status_release(kiln_status *status);

/* The code's name ("INVALID_ARGUMENT"), or "UNKNOWN" for a value this
 * library does not know. Static storage; thread-safe. */
KILN_API const char *kiln_code_name(kiln_code code);

/*===----------------------------------------------------------------------===*
 * Element types and devices
 *===----------------------------------------------------------------------===*/

/* Tensor element types. Values are ONNX's TensorProto.DataType, so an ONNX
 * type converts by cast. 0 is invalid (a zero-initialised kiln_tensor is
 * rejected, not misread). Append-only; gaps are ONNX types Kiln does not
 * support (string, complex, float8, 4-bit). */
typedef enum kiln_element_type {
  KILN_ELEMENT_TYPE_INVALID = 0,
  KILN_ELEMENT_TYPE_FLOAT32 = 1,
  KILN_ELEMENT_TYPE_UINT8 = 2,
  KILN_ELEMENT_TYPE_INT8 = 3,
  KILN_ELEMENT_TYPE_UINT16 = 4,
  KILN_ELEMENT_TYPE_INT16 = 5,
  KILN_ELEMENT_TYPE_INT32 = 6,
  KILN_ELEMENT_TYPE_INT64 = 7,
  KILN_ELEMENT_TYPE_BOOL = 9, /* one byte per element, 0 or 1 */
  KILN_ELEMENT_TYPE_FLOAT16 = 10,
  KILN_ELEMENT_TYPE_FLOAT64 = 11,
  KILN_ELEMENT_TYPE_UINT32 = 12,
  KILN_ELEMENT_TYPE_UINT64 = 13,
  KILN_ELEMENT_TYPE_BFLOAT16 = 16,
  KILN_ELEMENT_TYPE_FORCE_32BIT_ = 0x7fffffff
} kiln_element_type;

/* Bytes per element (BOOL: 1); 0 for a type this library does not know.
 * Thread-safe. */
KILN_API size_t kiln_element_type_size(kiln_element_type type);

/* "float32", "int64", "bfloat16", ...; "unknown" for a type this library does
 * not know. Static storage; thread-safe. */
KILN_API const char *kiln_element_type_name(kiln_element_type type);

/* Where memory lives and code runs. 0 is invalid, as above. Append-only. */
typedef enum kiln_device {
  KILN_DEVICE_INVALID = 0,
  KILN_DEVICE_CPU = 1,
  KILN_DEVICE_CUDA = 2,
  /* Runs a CUDA artifact on the CPU (the kernels' host twins, every thread of
   * a block in turn): a test instrument, for correctness, not speed. Tensors
   * are bound in host memory (KILN_DEVICE_CPU) or in the emulated device's
   * memory (KILN_DEVICE_CUDA_EMULATOR, from kiln_model_alloc_device_memory),
   * as for a CUDA model. Work is asynchronous as on a GPU. */
  KILN_DEVICE_CUDA_EMULATOR = 3,
  KILN_DEVICE_FORCE_32BIT_ = 0x7fffffff
} kiln_device;

/*===----------------------------------------------------------------------===*
 * Options
 *===----------------------------------------------------------------------===*/

/* Settings for kiln_model_load* (device, device ordinal, weight verification)
 * and kiln_session_create (threads, scratch limit, CUDA stream). Each call
 * copies what it reads, so options may be changed or released right after.
 * Passing NULL instead of options means all defaults. Not thread-safe to
 * modify; concurrent reads (several loads with the same options) are fine. */
typedef struct kiln_options kiln_options;

/* Creates options holding the defaults. The caller owns *out_options and
 * releases it with kiln_options_release. */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_options_create(kiln_options **out_options);

/* Frees options. NULL is a no-op. */
KILN_API void kiln_options_release(kiln_options *options);

/* Read by kiln_model_load*: the device to load the model onto. Default: the
 * artifact's target, ordinal 0. A device that does not match the artifact's
 * target fails the load with KILN_INVALID_ARGUMENT; a CUDA ordinal that does
 * not exist fails it with KILN_UNAVAILABLE. ordinal must be 0 for CPU. */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_options_set_device(kiln_options *options, kiln_device device,
                        int32_t ordinal);

/* Read by kiln_session_create: threads that run one session's parallel loops,
 * the calling thread included (1: no worker threads). Default 0: the number of
 * CPUs in the process's affinity mask. KILN_INVALID_ARGUMENT outside
 * [0, 1024]. Sessions do not share threads: with N concurrent sessions,
 * divide the cores between them. */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_options_set_threads(kiln_options *options, int32_t threads);

/* Read by kiln_model_load*: whether to checksum the weights section (reads
 * every page; about 0.1 s per GiB when cached). Default 1. Metadata and code
 * are always verified. Turn off only for large models on trusted storage. */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_options_set_verify_weights(kiln_options *options, int verify);

/* Read by kiln_session_create: the most scratch memory (intermediate buffers,
 * in use and cached) a session may hold; a run that would take it past the
 * limit fails with KILN_RESOURCE_EXHAUSTED at that allocation (the session's
 * cached buffers are released first, nothing outside the limit is touched)
 * and the session stays usable. Default 0: no limit. */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_options_set_max_scratch_bytes(kiln_options *options, uint64_t bytes);

/* Read by kiln_session_create for CUDA models: the CUstream (passed as void*)
 * the session enqueues its work on. Borrowed: it must outlive the session.
 * NULL selects the legacy default stream. If never called, each session
 * creates and owns a non-blocking stream. Ignored for CPU models. */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_options_set_cuda_stream(kiln_options *options, void *stream);

/* Read by kiln_session_create for CUDA models: whether the session captures
 * its runs into CUDA graphs (default: on). The second run at the same input
 * shapes (and the same device buffers, for tensors bound in device memory) is
 * captured, and later ones replay the graph, skipping the host code's shape
 * arithmetic and launches; host inputs and outputs are copied to and from
 * the buffers the graph was captured with. Runs that read device memory on
 * the host (data-dependent shapes) and sessions on the legacy default stream
 * are never captured. At most 8 graphs a session. Ignored for CPU models. */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_options_set_cuda_graphs(kiln_options *options, int enable);

/*===----------------------------------------------------------------------===*
 * Models
 *===----------------------------------------------------------------------===*/

/* A loaded artifact. Immutable after loading: every kiln_model_* function may
 * be called from any thread at any time, and any number of sessions may be
 * created from it and run concurrently. Reference-counted internally: the
 * caller's reference goes with kiln_model_release, each session holds its
 * own, and the memory goes with the last one. */
typedef struct kiln_model kiln_model;

/* Flags in kiln_tensor_info.flags. Append-only. */
enum {
  /* The input's values, not only its shape, determine output shapes (a
   * Reshape target or Range limit fed by a graph input). It must be in host
   * memory (KILN_DEVICE_CPU) even for a CUDA model, and its data must be
   * given to kiln_session_infer_shapes too. */
  KILN_TENSOR_HOST_VALUE = 1u << 0
};

/* The declared signature of one input or output. Owned by the model; valid
 * until kiln_model_release. Read-only. May gain fields at the end in later
 * versions (it is only ever handed out by pointer). */
typedef struct kiln_tensor_info {
  const char *name;               /* the ONNX graph input/output name */
  kiln_element_type element_type;
  int32_t rank;
  /* rank entries; -1 for a dynamic dim. NULL when rank is 0. */
  const int64_t *dims;
  /* rank entries, never NULL: "" for static dims. Inputs: the symbol the dim
   * binds ("batch", or "input_ids[1]" when the ONNX model left it unnamed);
   * dims with the same name must be equal at run time. Outputs: a readable
   * expression ("past_seq + seq"), "?" when it depends on input values. */
  const char *const *dim_params;
  uint32_t flags;                 /* KILN_TENSOR_* */
} kiln_tensor_info;

/* Loads the artifact at `path` (section 2.4 of the design lists every check
 * and its code). The weights are memory-mapped and used in place on CPU, or
 * copied to the device once for CUDA; the file must not be modified in place
 * while the model is loaded (replacing it by rename is fine). Loading runs
 * native code from the artifact: load only artifacts you would run as
 * programs. `options` may be NULL. The caller owns *out_model. Thread-safe. */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_model_load(const char *path, const kiln_options *options,
                kiln_model **out_model);

/* As kiln_model_load, from `size` bytes at `data`. The bytes are borrowed:
 * they must stay valid and unchanged until the model's last reference is gone
 * (kiln_model_release and every session released). Weights are used in place
 * when `data` is suitably aligned (64 bytes at the weights section; any
 * page-aligned buffer qualifies), else copied once. Messages name the file
 * '<memory>'. Thread-safe. */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_model_load_from_memory(const void *data, size_t size,
                            const kiln_options *options,
                            kiln_model **out_model);

/* Drops the caller's reference. Sessions created from the model keep working;
 * pointers previously returned by kiln_model_* queries become invalid. NULL
 * is a no-op. Must not race with other calls on the same model handle. */
KILN_API void kiln_model_release(kiln_model *model);

/* The device the model was loaded onto; KILN_DEVICE_INVALID for NULL. */
KILN_API kiln_device kiln_model_device(const kiln_model *model);

/*===----------------------------------------------------------------------===*
 * Device memory
 *
 * For tensors bound in device memory without linking the CUDA runtime (any
 * cudaMalloc'd or managed memory of the model's device binds as well). CPU
 * models: KILN_FAILED_PRECONDITION. Thread-safe.
 *===----------------------------------------------------------------------===*/

/* Allocates `bytes` (at least 1) of the model's device memory, 256-byte
 * aligned: cuMemAlloc in the model's context; on the emulated device, host
 * memory the emulator tracks (so the caller may also read it directly). */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_model_alloc_device_memory(const kiln_model *model, uint64_t bytes,
                               void **out_memory);

/* Frees memory from kiln_model_alloc_device_memory (NULL is a no-op), once
 * the work queued before it has finished. */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_model_free_device_memory(const kiln_model *model, void *memory);

/* Copies `bytes` from host memory to device memory, or from device memory to
 * host memory, and waits until the copy is complete (after the work queued
 * before it on the legacy default stream). */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_model_copy_to_device(const kiln_model *model, void *device_dst,
                          const void *host_src, uint64_t bytes);
KILN_API KILN_MUST_CHECK kiln_status *
kiln_model_copy_from_device(const kiln_model *model, void *host_dst,
                            const void *device_src, uint64_t bytes);

/* The model's name (the ONNX graph name, else the artifact's file name).
 * Owned by the model; "" for NULL. */
KILN_API const char *kiln_model_name(const kiln_model *model);

/* Number of inputs / outputs of the model's entry point; 0 for NULL. */
KILN_API size_t kiln_model_input_count(const kiln_model *model);
KILN_API size_t kiln_model_output_count(const kiln_model *model);

/* The signature of input / output `index` (0-based, ONNX graph order).
 * *out_info is owned by the model. KILN_INVALID_ARGUMENT when index is out of
 * range (the message gives the count). */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_model_input_info(const kiln_model *model, size_t index,
                      const kiln_tensor_info **out_info);
KILN_API KILN_MUST_CHECK kiln_status *
kiln_model_output_info(const kiln_model *model, size_t index,
                       const kiln_tensor_info **out_info);

/* The index of the input / output called `name` (exact, case-sensitive).
 * KILN_NOT_FOUND, listing the names, when there is none. */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_model_find_input(const kiln_model *model, const char *name,
                      size_t *out_index);
KILN_API KILN_MUST_CHECK kiln_status *
kiln_model_find_output(const kiln_model *model, const char *name,
                       size_t *out_index);

/*===----------------------------------------------------------------------===*
 * Tensors
 *===----------------------------------------------------------------------===*/

/* A view of one caller-owned input or output buffer: dense, row-major, no
 * strides. Filled by the caller, only read by the runtime (for outputs, the
 * runtime writes the buffer at `data`, never the struct). Zero-initialise it
 * and set every field: zero is invalid for element_type and device, so a
 * forgotten field is reported, not guessed. Layout frozen (see
 * Compatibility).
 *
 * Binding: when `name` is non-NULL the view binds the input/output of that
 * name and `index` is ignored; when NULL it binds position `index`. Every
 * input must be bound exactly once, every output exactly once.
 *
 * Checks made by kiln_session_run (each failure is KILN_INVALID_ARGUMENT
 * naming the tensor): element_type and rank equal the declaration; static
 * dims equal it; dynamic dims lie within the artifact's bounds and agree with
 * every other dim of the same name; output dims equal the computed shape;
 * device is KILN_DEVICE_CPU (ordinal 0), or the model's device and ordinal
 * for a CUDA model (KILN_TENSOR_HOST_VALUE inputs: CPU only); byte_size >=
 * element count * element size (overflow-checked); data
 * is non-NULL unless that product is 0; data is aligned to the element size
 * (64 bytes recommended); outputs overlap neither inputs nor each other. For
 * device memory, the driver confirms that data is device or managed memory of
 * that device and that byte_size bytes of one allocation start there. The one
 * thing it cannot check is that byte_size bytes of host memory exist at data.
 */
typedef struct kiln_tensor {
  const char *name;               /* bind by name, or NULL to bind by index */
  int32_t index;                  /* used only when name is NULL */
  kiln_element_type element_type;
  kiln_device device;             /* where data lives */
  int32_t device_ordinal;         /* CUDA device number; 0 for CPU */
  int32_t rank;                   /* 0 for a scalar */
  const int64_t *dims;            /* rank entries; may be NULL when rank is 0 */
  void *data;                     /* inputs are only read through it */
  uint64_t byte_size;             /* bytes available at data */
} kiln_tensor;

/*===----------------------------------------------------------------------===*
 * Sessions
 *===----------------------------------------------------------------------===*/

/* The state for running a model: worker threads, scratch arenas (grown to the
 * largest shape seen, kept until release), cached output shapes and, for
 * CUDA, a stream. One call at a time per session, from any thread (it may
 * move between threads); a call made while another is in progress on the
 * same session fails with KILN_FAILED_PRECONDITION instead of racing.
 * Different sessions, of the same or different models, run concurrently. */
typedef struct kiln_session kiln_session;

/* Creates a session for `model` (taking a reference to it) with `options`'
 * threads, scratch limit and CUDA stream (NULL: defaults). The caller owns
 * *out_session. Thread-safe with respect to the model. */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_session_create(kiln_model *model, const kiln_options *options,
                    kiln_session **out_session);

/* Waits for the session's pending CUDA work, stops its threads, frees its
 * memory and its stream if it created one, and drops its model reference.
 * NULL is a no-op. Must not race with other calls on the session. */
KILN_API void kiln_session_release(kiln_session *session);

/* Validates `inputs` as kiln_session_run does (data may be NULL except for
 * KILN_TENSOR_HOST_VALUE inputs) and computes every output's shape, for
 * callers that must allocate outputs first. Not needed before
 * kiln_session_run, which computes shapes itself. The results stay valid
 * until the next infer_shapes or run on this session. */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_session_infer_shapes(kiln_session *session, const kiln_tensor *inputs,
                          size_t num_inputs);

/* The shape of output `index` from the last successful infer_shapes or run.
 * *out_dims (out_rank entries; NULL for rank 0) is owned by the session and
 * valid until its next infer_shapes, run or release. KILN_FAILED_PRECONDITION
 * before any shapes were computed; KILN_INVALID_ARGUMENT for a bad index. */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_session_output_shape(const kiln_session *session, size_t index,
                          int32_t *out_rank, const int64_t **out_dims);

/* Runs the model: reads `inputs`, writes the buffers of `outputs` (both
 * caller-owned, checked as documented at kiln_tensor). The arrays and the
 * dims they point to are read during the call only.
 * CPU: returns when the outputs are written; the buffers are not used after.
 * CUDA: returns when the work is enqueued on the session's stream; the
 * buffers must stay valid, and outputs are ready, when the stream reaches
 * this point (kiln_session_synchronize, or an event recorded on the stream).
 * Host memory is copied through the session's device buffers: a host input
 * may be reused when the call returns, and when any output is in host memory
 * the call returns once the run is complete (its errors reported by it).
 * When every output is in device memory the call does not wait: an index
 * error a kernel reports is returned by the next kiln_session_synchronize.
 * Errors from the model's own checks (an index out of range in a Gather) name
 * the ONNX node. On failure the contents of the outputs are unspecified. */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_session_run(kiln_session *session, const kiln_tensor *inputs,
                 size_t num_inputs, const kiln_tensor *outputs,
                 size_t num_outputs);

/* Waits until all work the session enqueued has finished and reports an
 * asynchronous CUDA fault (after which the model's sessions fail with
 * KILN_FAILED_PRECONDITION). Returns NULL at once for CPU sessions. */
KILN_API KILN_MUST_CHECK kiln_status *
kiln_session_synchronize(kiln_session *session);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* KILN_RUNTIME_H */
