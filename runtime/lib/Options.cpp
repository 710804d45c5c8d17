//===- Options.cpp - the kiln_options setters -----------------------------===//

#include "runtime/lib/Options.h"

#include "runtime/lib/Status.h"

using namespace kiln;

kiln_status *kiln_options_create(kiln_options **out_options) {
  if (!out_options)
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_options_create: out_options is NULL");
  auto *o = new (std::nothrow) kiln_options;
  if (!o)
    return makeStatus(KILN_RESOURCE_EXHAUSTED, "kiln_options_create: out of memory");
  *out_options = o;
  return nullptr;
}

void kiln_options_release(kiln_options *options) { delete options; }

kiln_status *kiln_options_set_device(kiln_options *options, kiln_device device, int32_t ordinal) {
  if (!options)
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_options_set_device: options is NULL");
  if (device != KILN_DEVICE_CPU && device != KILN_DEVICE_CUDA &&
      device != KILN_DEVICE_CUDA_EMULATOR)
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_options_set_device: unknown device %d",
                      int(device));
  if (ordinal < 0 || (device != KILN_DEVICE_CUDA && ordinal != 0))
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_options_set_device: invalid ordinal %d",
                      ordinal);
  options->device = device;
  options->ordinal = ordinal;
  return nullptr;
}

kiln_status *kiln_options_set_threads(kiln_options *options, int32_t threads) {
  if (!options)
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_options_set_threads: options is NULL");
  if (threads < 0 || threads > 1024)
    return makeStatus(KILN_INVALID_ARGUMENT,
                      "kiln_options_set_threads: %d threads is outside [0, 1024]", threads);
  options->threads = threads;
  return nullptr;
}

kiln_status *kiln_options_set_verify_weights(kiln_options *options, int verify) {
  if (!options)
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_options_set_verify_weights: options is NULL");
  options->verifyWeights = verify != 0;
  return nullptr;
}

kiln_status *kiln_options_set_max_scratch_bytes(kiln_options *options, uint64_t bytes) {
  if (!options)
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_options_set_max_scratch_bytes: options is NULL");
  options->maxScratchBytes = bytes;
  return nullptr;
}

kiln_status *kiln_options_set_cuda_stream(kiln_options *options, void *stream) {
  if (!options)
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_options_set_cuda_stream: options is NULL");
  options->cudaStream = stream;
  options->cudaStreamSet = true;
  return nullptr;
}

kiln_status *kiln_options_set_cuda_graphs(kiln_options *options, int enable) {
  if (!options)
    return makeStatus(KILN_INVALID_ARGUMENT, "kiln_options_set_cuda_graphs: options is NULL");
  options->cudaGraphs = enable != 0;
  return nullptr;
}
