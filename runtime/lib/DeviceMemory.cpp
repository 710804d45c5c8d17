//===- DeviceMemory.cpp - the model's device memory, for the C API --------===//
//
// kiln_model_alloc_device_memory and its companions forward to the model's backend
// (Device.h); backends without device memory (the CPU) keep these defaults.
//
//===----------------------------------------------------------------------===//

#include "runtime/lib/Objects.h"

#include "runtime/lib/Status.h"

using namespace kiln;

namespace {

kiln_status *noDeviceMemory(const char *fn) {
  return makeStatus(KILN_FAILED_PRECONDITION,
                    "%s: the model runs on the CPU, which has no device memory: bind host memory",
                    fn);
}

} // namespace

kiln_status *DeviceModel::allocate(const char *fn, uint64_t, void **) const {
  return noDeviceMemory(fn);
}
kiln_status *DeviceModel::release(const char *fn, void *) const { return noDeviceMemory(fn); }
kiln_status *DeviceModel::copy(const char *fn, void *, const void *, uint64_t, bool) const {
  return noDeviceMemory(fn);
}
kiln_status *DeviceModel::checkDeviceMemory(const char *fn, const std::string &what, const void *,
                                            uint64_t) const {
  return makeStatus(KILN_INVALID_ARGUMENT,
                    "%s: %s: the model runs on the CPU, which has no "
                    "device memory",
                    fn, what.c_str());
}

kiln_status *kiln_model_alloc_device_memory(const kiln_model *model, uint64_t bytes,
                                            void **out_memory) {
  const char *fn = "kiln_model_alloc_device_memory";
  if (!model || !out_memory)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: %s is NULL", fn, model ? "out_memory" : "model");
  *out_memory = nullptr;
  if (!bytes || bytes > (uint64_t(1) << 48))
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': cannot allocate %llu bytes", fn,
                      model->file.c_str(), static_cast<unsigned long long>(bytes));
  return guarded(fn, [&] { return model->device->allocate(fn, bytes, out_memory); });
}

kiln_status *kiln_model_free_device_memory(const kiln_model *model, void *memory) {
  const char *fn = "kiln_model_free_device_memory";
  if (!model)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: model is NULL", fn);
  if (!memory)
    return nullptr;
  return guarded(fn, [&] { return model->device->release(fn, memory); });
}

namespace {

kiln_status *copyMemory(const char *fn, const kiln_model *model, void *dst, const void *src,
                        uint64_t bytes, bool toDevice) {
  if (!model || ((!dst || !src) && bytes))
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: %s is NULL", fn,
                      !model ? "model"
                      : !dst ? "the destination"
                             : "the source");
  if (!bytes)
    return nullptr;
  return guarded(fn, [&]() -> kiln_status * {
    if (kiln_status *s = model->device->checkDeviceMemory(
            fn, toDevice ? "the destination" : "the source", toDevice ? dst : src, bytes))
      return s;
    return model->device->copy(fn, dst, src, bytes, toDevice);
  });
}

} // namespace

kiln_status *kiln_model_copy_to_device(const kiln_model *model, void *device_dst,
                                       const void *host_src, uint64_t bytes) {
  return copyMemory("kiln_model_copy_to_device", model, device_dst, host_src, bytes, true);
}

kiln_status *kiln_model_copy_from_device(const kiln_model *model, void *host_dst,
                                         const void *device_src, uint64_t bytes) {
  return copyMemory("kiln_model_copy_from_device", model, host_dst, device_src, bytes, false);
}
