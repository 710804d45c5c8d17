//===- Session.cpp - sessions and runs ------------------------------------===//
//
// Every tensor a caller binds is checked here, whatever the device: counts, names, element
// types, ranks, dims against the signature and the dim names shared between inputs, output
// shapes against what the inputs give, overlaps; then the device half runs the code on
// memref descriptors of the views (the generated code's calling convention).
//
//===----------------------------------------------------------------------===//

#include "runtime/lib/Objects.h"

#include "runtime/lib/Options.h"
#include "runtime/lib/Status.h"

#include <cinttypes>
#include <cstring>
#include <map>
#include <memory>
#include <string>

using namespace kiln;

//===----------------------------------------------------------------------===//
// Sessions
//===----------------------------------------------------------------------===//

kiln_status *kiln_session_create(kiln_model *model, const kiln_options *options,
                                 kiln_session **out_session) {
  const char *fn = "kiln_session_create";
  if (!model || !out_session)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: %s is NULL", fn, model ? "out_session" : "model");
  return guarded(fn, [&]() -> kiln_status * {
    auto session = std::make_unique<kiln_session>();
    session->model = model;
    if (kiln_status *s = model->device->createSession(fn, options, session->device))
      return s;
    model->retain();
    *out_session = session.release();
    return nullptr;
  });
}

void kiln_session_release(kiln_session *session) {
  if (!session)
    return;
  kiln_model *model = session->model;
  delete session;
  model->release();
}

namespace {

/// Marks a session busy for one call; a concurrent second call fails instead of racing.
class BusyGuard {
public:
  explicit BusyGuard(kiln_session *s) : session(s), acquired(!s->busy.exchange(true)) {}
  ~BusyGuard() {
    if (acquired)
      session->busy = false;
  }
  bool ok() const { return acquired; }

private:
  kiln_session *session;
  bool acquired;
};

/// Checks the views of one role (inputs or outputs) and orders them by declaration index.
kiln_status *bindTensors(const char *fn, const kiln_model *model, const kiln_tensor *views,
                         size_t count, const std::vector<kiln_tensor_info> &infos,
                         const char *what, bool requireData,
                         std::vector<const kiln_tensor *> &bound) {
  const char *file = model->file.c_str();
  if (count && !views)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %ss is NULL but the count is %zu", fn,
                      file, what, count);
  bound.assign(infos.size(), nullptr);
  for (size_t v = 0; v < count; ++v) {
    const kiln_tensor &t = views[v];
    size_t index;
    if (t.name) {
      index = infos.size();
      for (size_t i = 0; i < infos.size(); ++i)
        if (strcmp(infos[i].name, t.name) == 0)
          index = i;
      if (index == infos.size())
        return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': no %s named '%s'; %ss are %s", fn,
                          file, what, t.name, what, nameList(infos).c_str());
    } else {
      if (t.index < 0 || size_t(t.index) >= infos.size())
        return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s index %d out of range (%zu %ss)",
                          fn, file, what, t.index, infos.size(), what);
      index = size_t(t.index);
    }
    const kiln_tensor_info &info = infos[index];
    if (bound[index])
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s '%s' is bound twice", fn, file, what,
                        info.name);
    bound[index] = &t;
    if (t.element_type != info.element_type)
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s '%s': element type %s, expected %s",
                        fn, file, what, info.name, kiln_element_type_name(t.element_type),
                        kiln_element_type_name(info.element_type));
    bool onHost = t.device == KILN_DEVICE_CPU && t.device_ordinal == 0;
    bool onDevice = model->device_kind != KILN_DEVICE_CPU && t.device == model->device_kind &&
                    t.device_ordinal == model->ordinal && !(info.flags & KILN_TENSOR_HOST_VALUE);
    if (!onHost && !onDevice) {
      if (model->device_kind == KILN_DEVICE_CPU || (info.flags & KILN_TENSOR_HOST_VALUE))
        return makeStatus(KILN_INVALID_ARGUMENT,
                          "%s: '%s': %s '%s': device %d ordinal %d, expected cpu (1) ordinal 0%s",
                          fn, file, what, info.name, int(t.device), t.device_ordinal,
                          model->device_kind == KILN_DEVICE_CPU ? "" : " (a host value)");
      return makeStatus(KILN_INVALID_ARGUMENT,
                        "%s: '%s': %s '%s': device %d ordinal %d, expected cpu (1) ordinal 0 or "
                        "the model's device (%d) ordinal %d",
                        fn, file, what, info.name, int(t.device), t.device_ordinal,
                        int(model->device_kind), model->ordinal);
    }
    if (t.rank != info.rank)
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s '%s': rank %d, expected %d", fn, file,
                        what, info.name, t.rank, info.rank);
    if (t.rank && !t.dims)
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s '%s': dims is NULL for rank %d", fn,
                        file, what, info.name, t.rank);
    uint64_t elements = 1;
    bool overflow = false;
    for (int32_t d = 0; d < t.rank; ++d) {
      if (t.dims[d] < 0)
        return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s '%s': dim %d is negative (%" PRId64
                          ")",
                          fn, file, what, info.name, d, t.dims[d]);
      if (info.dims[d] >= 0 && t.dims[d] != info.dims[d])
        return makeStatus(KILN_INVALID_ARGUMENT,
                          "%s: '%s': %s '%s': dim %d is %" PRId64 ", expected %" PRId64, fn, file,
                          what, info.name, d, t.dims[d], info.dims[d]);
      overflow |= __builtin_mul_overflow(elements, uint64_t(t.dims[d]), &elements);
    }
    size_t elementSize = kiln_element_type_size(info.element_type);
    uint64_t bytes;
    overflow |= __builtin_mul_overflow(elements, uint64_t(elementSize), &bytes);
    if (overflow || bytes > (uint64_t(1) << 48))
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s '%s': the element count overflows",
                        fn, file, what, info.name);
    if (t.byte_size < bytes)
      return makeStatus(KILN_INVALID_ARGUMENT,
                        "%s: '%s': %s '%s': byte_size %" PRIu64 " is less than the %" PRIu64
                        " bytes of its shape",
                        fn, file, what, info.name, t.byte_size, bytes);
    bool needData = requireData || (info.flags & KILN_TENSOR_HOST_VALUE);
    if (!t.data && bytes && needData)
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s '%s': data is NULL", fn, file, what,
                        info.name);
    if (reinterpret_cast<uintptr_t>(t.data) % elementSize)
      return makeStatus(KILN_INVALID_ARGUMENT,
                        "%s: '%s': %s '%s': data %p is not aligned to its %zu-byte elements", fn,
                        file, what, info.name, t.data, elementSize);
    if (onDevice && t.data)
      if (kiln_status *s = model->device->checkDeviceMemory(
              fn, std::string(what) + " '" + info.name + "'", t.data, bytes))
        return s;
  }
  for (size_t i = 0; i < infos.size(); ++i)
    if (!bound[i])
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': expected %zu %ss, got %zu: '%s' is not "
                        "bound",
                        fn, file, infos.size(), what, count, infos[i].name);
  return nullptr;
}

/// Dims with the same dim_param must agree across all inputs.
kiln_status *checkSymbols(const char *fn, const kiln_model *model,
                          const std::vector<const kiln_tensor *> &inputs) {
  std::map<std::string, std::pair<int64_t, const char *>> values;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const kiln_tensor_info &info = model->inputInfo[i];
    for (int32_t d = 0; d < info.rank; ++d) {
      const char *param = info.dim_params[d];
      if (info.dims[d] >= 0 || !*param)
        continue;
      auto [it, inserted] = values.emplace(param, std::pair{inputs[i]->dims[d], info.name});
      if (!inserted && it->second.first != inputs[i]->dims[d])
        return makeStatus(KILN_INVALID_ARGUMENT,
                          "%s: '%s': input '%s': dim %d ('%s') is %" PRId64 ", but input '%s' set "
                          "'%s' to %" PRId64,
                          fn, model->file.c_str(), info.name, d, param, inputs[i]->dims[d],
                          it->second.second, param, it->second.first);
    }
  }
  return nullptr;
}

/// Ranked memref descriptors (allocated, aligned, offset, sizes, strides) of dense row-major
/// views, in the order the generated code takes them.
class Descriptors {
public:
  void add(const std::vector<const kiln_tensor *> &views) {
    for (const kiln_tensor *t : views) {
      std::vector<int64_t> d(3 + 2 * size_t(t->rank));
      d[0] = d[1] = int64_t(reinterpret_cast<intptr_t>(t->data));
      int64_t stride = 1;
      for (int32_t i = t->rank - 1; i >= 0; --i) {
        d[3 + i] = t->dims[i];
        d[3 + t->rank + i] = stride;
        stride *= std::max<int64_t>(t->dims[i], 1);
      }
      storage.push_back(std::move(d));
    }
  }
  std::vector<void *> pointers() {
    std::vector<void *> p;
    for (std::vector<int64_t> &d : storage)
      p.push_back(d.data());
    return p;
  }

private:
  std::vector<std::vector<int64_t>> storage;
};

/// The bytes a validated view covers.
uint64_t viewBytes(const kiln_tensor &t) {
  uint64_t bytes = kiln_element_type_size(t.element_type);
  for (int32_t d = 0; d < t.rank; ++d)
    bytes *= uint64_t(t.dims[d]);
  return bytes;
}

/// Validates the inputs and computes the output shapes into the session.
kiln_status *inferShapes(const char *fn, kiln_session *session, const kiln_tensor *inputs,
                         size_t numInputs, bool requireData,
                         std::vector<const kiln_tensor *> &boundInputs) {
  const kiln_model *model = session->model;
  if (kiln_status *s = bindTensors(fn, model, inputs, numInputs, model->inputInfo, "input",
                                   requireData, boundInputs))
    return s;
  if (kiln_status *s = checkSymbols(fn, model, boundInputs))
    return s;
  std::vector<int64_t> dynamicDims(model->dynamicOutputDims);
  if (!dynamicDims.empty()) {
    Descriptors descriptors;
    descriptors.add(boundInputs);
    std::vector<void *> pointers = descriptors.pointers();
    if (kiln_status *s = session->device->shapes(fn, pointers.data(), dynamicDims.data()))
      return s;
  }
  session->outputShapes.clear();
  size_t next = 0;
  for (const kiln_tensor_info &info : model->outputInfo) {
    std::vector<int64_t> dims(info.dims, info.dims + info.rank);
    for (int64_t &d : dims)
      if (d < 0) {
        d = dynamicDims[next++];
        if (d < 0)
          return makeStatus(KILN_INVALID_ARGUMENT,
                            "%s: '%s': output '%s' would have a negative dim (%" PRId64
                            ") for these input shapes",
                            fn, model->file.c_str(), info.name, d);
      }
    session->outputShapes.push_back(std::move(dims));
  }
  session->haveShapes = true;
  return nullptr;
}

struct Interval {
  uintptr_t begin, end;
  const char *name;
};

/// Runs `body` as the session's one call in progress: a concurrent second call on the same
/// session gets FAILED_PRECONDITION instead of racing.
template <typename F> kiln_status *exclusive(const char *fn, kiln_session *session, F &&body) {
  if (!session)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: session is NULL", fn);
  BusyGuard busy(session);
  if (!busy.ok())
    return makeStatus(KILN_FAILED_PRECONDITION, "%s: the session is running on another thread",
                      fn);
  return guarded(fn, body);
}

} // namespace

kiln_status *kiln_session_infer_shapes(kiln_session *session, const kiln_tensor *inputs,
                                       size_t num_inputs) {
  const char *fn = "kiln_session_infer_shapes";
  return exclusive(fn, session, [&] {
    std::vector<const kiln_tensor *> bound;
    session->haveShapes = false;
    return inferShapes(fn, session, inputs, num_inputs, false, bound);
  });
}

kiln_status *kiln_session_output_shape(const kiln_session *session, size_t index,
                                       int32_t *out_rank, const int64_t **out_dims) {
  const char *fn = "kiln_session_output_shape";
  if (!session || !out_rank || !out_dims)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: %s is NULL", fn,
                      !session ? "session" : !out_rank ? "out_rank" : "out_dims");
  if (!session->haveShapes)
    return makeStatus(KILN_FAILED_PRECONDITION,
                      "%s: no shapes yet; call kiln_session_infer_shapes or kiln_session_run first",
                      fn);
  if (index >= session->outputShapes.size())
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: output index %zu out of range (%zu outputs)", fn,
                      index, session->outputShapes.size());
  const std::vector<int64_t> &dims = session->outputShapes[index];
  *out_rank = int32_t(dims.size());
  *out_dims = dims.empty() ? nullptr : dims.data();
  return nullptr;
}

kiln_status *kiln_session_run(kiln_session *session, const kiln_tensor *inputs,
                              size_t num_inputs, const kiln_tensor *outputs,
                              size_t num_outputs) {
  const char *fn = "kiln_session_run";
  return exclusive(fn, session, [&]() -> kiln_status * {
    const kiln_model *model = session->model;
    const char *file = model->file.c_str();
    std::vector<const kiln_tensor *> boundInputs, boundOutputs;
    session->haveShapes = false;
    if (kiln_status *s = inferShapes(fn, session, inputs, num_inputs, true, boundInputs))
      return s;
    if (kiln_status *s = bindTensors(fn, model, outputs, num_outputs, model->outputInfo,
                                     "output", true, boundOutputs))
      return s;
    std::vector<Interval> intervals;
    for (size_t i = 0; i < boundOutputs.size(); ++i) {
      const kiln_tensor &t = *boundOutputs[i];
      const std::vector<int64_t> &expected = session->outputShapes[i];
      for (int32_t d = 0; d < t.rank; ++d)
        if (t.dims[d] != expected[d])
          return makeStatus(KILN_INVALID_ARGUMENT,
                            "%s: '%s': output '%s': dim %d is %" PRId64 ", the inputs give %" PRId64,
                            fn, file, model->outputInfo[i].name, d, t.dims[d], expected[d]);
      if (uint64_t bytes = viewBytes(t))
        intervals.push_back({uintptr_t(t.data), uintptr_t(t.data) + bytes,
                             model->outputInfo[i].name});
    }
    // Outputs must not overlap each other or any input.
    std::vector<Interval> all = intervals;
    for (size_t i = 0; i < boundInputs.size(); ++i) {
      const kiln_tensor &t = *boundInputs[i];
      if (uint64_t bytes = viewBytes(t))
        all.push_back({uintptr_t(t.data), uintptr_t(t.data) + bytes, model->inputInfo[i].name});
    }
    for (size_t i = 0; i < intervals.size(); ++i)
      for (size_t j = 0; j < all.size(); ++j)
        if (i != j && intervals[i].begin < all[j].end && all[j].begin < intervals[i].end)
          return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': output '%s' overlaps %s '%s'", fn,
                            file, intervals[i].name, j < intervals.size() ? "output" : "input",
                            all[j].name);
    Descriptors descriptors;
    descriptors.add(boundInputs);
    descriptors.add(boundOutputs);
    std::vector<void *> pointers = descriptors.pointers();
    std::unique_ptr<bool[]> onDevice(new bool[pointers.size() + 1]());
    size_t next = 0;
    for (const auto *list : {&boundInputs, &boundOutputs})
      for (const kiln_tensor *t : *list)
        onDevice[next++] = t->device != KILN_DEVICE_CPU;
    return session->device->run(fn, pointers.data(), onDevice.get());
  });
}

kiln_status *kiln_session_synchronize(kiln_session *session) {
  const char *fn = "kiln_session_synchronize";
  return exclusive(fn, session, [&] { return session->device->synchronize(fn); });
}
