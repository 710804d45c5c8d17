//===- Model.cpp - loading and querying models ----------------------------===//
//
// kiln_model_load*: map or borrow the artifact, validate it (artifact/ArtifactReader.h), hand
// its code to the backend of its device (Device.h), and keep the signature the queries return.
//
//===----------------------------------------------------------------------===//

#include "runtime/lib/Objects.h"

#include "runtime/lib/Options.h"
#include "runtime/lib/Status.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace kiln;

namespace {

const char *baseName(const std::string &path) {
  size_t slash = path.rfind('/');
  return path.c_str() + (slash == std::string::npos ? 0 : slash + 1);
}

/// Validates the artifact's bytes, loads its code and fills the signature.
kiln_status *finishLoad(const char *fn, kiln_model *model, const uint8_t *bytes, uint64_t size,
                        const kiln_options *options) {
  const char *file = model->file.c_str();
  bool verifyWeights = options ? options->verifyWeights : true;
  if (ArtifactError e = readArtifact(
          bytes, size, verifyWeights ? Checksums::All : Checksums::AllButWeights, model->contents))
    return makeStatus(e.code, "%s: '%s': %s", fn, file, e.message.c_str());
  ArtifactContents &c = model->contents;
  // A device that cannot be used here is reported as such whatever the artifact holds.
  if (options && options->device == KILN_DEVICE_CUDA)
    if (kiln_status *s = checkCUDADevice(fn, file, options->ordinal, nullptr))
      return s;
  kiln_device device = options && options->device != KILN_DEVICE_INVALID
                           ? options->device
                           : kiln_device(c.target);
  bool cudaArtifact = c.target == uint32_t(KILN_DEVICE_CUDA);
  if ((device == KILN_DEVICE_CPU) == cudaArtifact)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': the artifact targets %s, options ask for %s",
                      fn, file, cudaArtifact ? "cuda" : "cpu",
                      device == KILN_DEVICE_CPU        ? "cpu"
                      : device == KILN_DEVICE_CUDA     ? "cuda"
                                                       : "cuda-emulator");
  model->device_kind = device;
  model->ordinal = options ? options->ordinal : 0;
  if (c.weightsSize) {
    const uint8_t *w = bytes + c.weightsOffset;
    if (reinterpret_cast<uintptr_t>(w) % 64) {
      model->weightsCopy.assign(w, w + c.weightsSize);
      w = model->weightsCopy.data();
    }
    model->weights = w;
  }
  DeviceLoad load{fn, file, c, model->weights, options};
  kiln_status *s = !cudaArtifact ? loadCPUModel(load, model->device)
                                 : loadCUDAModel(load, device == KILN_DEVICE_CUDA_EMULATOR,
                                                 model->device);
  if (s)
    return s;
  for (const TensorDecl &t : c.outputs)
    model->dynamicOutputDims += size_t(std::count(t.dims.begin(), t.dims.end(), -1));
  for (auto [decls, infos] : {std::pair{&c.inputs, &model->inputInfo},
                              std::pair{&c.outputs, &model->outputInfo}}) {
    for (const TensorDecl &t : *decls) {
      model->dimParamPointers.emplace_back();
      for (const std::string &p : t.dimParams)
        model->dimParamPointers.back().push_back(p.c_str());
      kiln_tensor_info info{};
      info.name = t.name.c_str();
      info.element_type = t.elementType;
      info.rank = int32_t(t.dims.size());
      info.dims = t.dims.empty() ? nullptr : t.dims.data();
      info.dim_params = model->dimParamPointers.back().data();
      info.flags = t.flags;
      infos->push_back(info);
    }
  }
  if (c.modelName.empty())
    c.modelName = baseName(model->file);
  return nullptr;
}

} // namespace

kiln_status *kiln_model_load(const char *path, const kiln_options *options,
                             kiln_model **out_model) {
  const char *fn = "kiln_model_load";
  if (!path || !out_model)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: %s is NULL", fn, path ? "out_model" : "path");
  return guarded(fn, [&]() -> kiln_status * {
    std::unique_ptr<kiln_model> model(new kiln_model);
    model->file = path;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return makeStatus(errno == ENOENT ? KILN_NOT_FOUND
                        : errno == EACCES ? KILN_PERMISSION_DENIED
                                          : KILN_UNAVAILABLE,
                        "%s: '%s': cannot open: %s", fn, path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      close(fd);
      return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': not a regular file", fn, path);
    }
    if (st.st_size > 0) {
      void *map = mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (map == MAP_FAILED) {
        close(fd);
        return makeStatus(KILN_UNAVAILABLE, "%s: '%s': cannot map: %s", fn, path, strerror(errno));
      }
      model->mapping.data = map;
      model->mapping.size = size_t(st.st_size);
    }
    close(fd);
    static const uint8_t empty[1] = {0};
    const uint8_t *bytes =
        model->mapping.data ? static_cast<uint8_t *>(model->mapping.data) : empty;
    if (kiln_status *s = finishLoad(fn, model.get(), bytes, uint64_t(st.st_size), options))
      return s;
    *out_model = model.release();
    return nullptr;
  });
}

kiln_status *kiln_model_load_from_memory(const void *data, size_t size,
                                         const kiln_options *options, kiln_model **out_model) {
  const char *fn = "kiln_model_load_from_memory";
  if ((!data && size) || !out_model)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: %s is NULL", fn, out_model ? "data" : "out_model");
  return guarded(fn, [&]() -> kiln_status * {
    std::unique_ptr<kiln_model> model(new kiln_model);
    model->file = "<memory>";
    static const uint8_t empty[1] = {0};
    const uint8_t *bytes = data ? static_cast<const uint8_t *>(data) : empty;
    if (kiln_status *s = finishLoad(fn, model.get(), bytes, size, options))
      return s;
    *out_model = model.release();
    return nullptr;
  });
}

void kiln_model_release(kiln_model *model) {
  if (model)
    model->release();
}

kiln_device kiln_model_device(const kiln_model *model) {
  return model ? model->device_kind : KILN_DEVICE_INVALID;
}
const char *kiln_model_name(const kiln_model *model) {
  return model ? model->contents.modelName.c_str() : "";
}
size_t kiln_model_input_count(const kiln_model *model) { return model ? model->inputInfo.size() : 0; }
size_t kiln_model_output_count(const kiln_model *model) {
  return model ? model->outputInfo.size() : 0;
}

namespace {

kiln_status *tensorInfo(const char *fn, const kiln_model *model, size_t index, bool input,
                        const kiln_tensor_info **out) {
  if (!model || !out)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: %s is NULL", fn, model ? "out_info" : "model");
  const std::vector<kiln_tensor_info> &infos = input ? model->inputInfo : model->outputInfo;
  const char *what = input ? "input" : "output";
  if (index >= infos.size())
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: '%s': %s index %zu out of range (%zu %ss)", fn,
                      model->file.c_str(), what, index, infos.size(), what);
  *out = &infos[index];
  return nullptr;
}


kiln_status *findTensor(const char *fn, const kiln_model *model, const char *name, bool input,
                        size_t *out) {
  if (!model || !name || !out)
    return makeStatus(KILN_INVALID_ARGUMENT, "%s: %s is NULL", fn,
                      !model ? "model" : !name ? "name" : "out_index");
  const std::vector<kiln_tensor_info> &infos = input ? model->inputInfo : model->outputInfo;
  const char *what = input ? "input" : "output";
  for (size_t i = 0; i < infos.size(); ++i)
    if (strcmp(infos[i].name, name) == 0) {
      *out = i;
      return nullptr;
    }
  return guarded(fn, [&] {
    return makeStatus(KILN_NOT_FOUND, "%s: '%s': no %s named '%s'; %ss are %s", fn,
                      model->file.c_str(), what, name, what, nameList(infos).c_str());
  });
}

} // namespace

kiln_status *kiln_model_input_info(const kiln_model *model, size_t index,
                                   const kiln_tensor_info **out_info) {
  return tensorInfo("kiln_model_input_info", model, index, true, out_info);
}
kiln_status *kiln_model_output_info(const kiln_model *model, size_t index,
                                    const kiln_tensor_info **out_info) {
  return tensorInfo("kiln_model_output_info", model, index, false, out_info);
}
kiln_status *kiln_model_find_input(const kiln_model *model, const char *name, size_t *out_index) {
  return findTensor("kiln_model_find_input", model, name, true, out_index);
}
kiln_status *kiln_model_find_output(const kiln_model *model, const char *name,
                                    size_t *out_index) {
  return findTensor("kiln_model_find_output", model, name, false, out_index);
}

std::string kiln::nameList(const std::vector<kiln_tensor_info> &infos) {
  std::string names;
  for (const kiln_tensor_info &i : infos)
    names += std::string(names.empty() ? "'" : ", '") + i.name + "'";
  return names;
}
