//===- Objects.h - the runtime's models and sessions ------------*- C++ -*-===//
//
// The device-neutral halves of kiln_model and kiln_session (Model.cpp, Session.cpp); each holds
// its device half (Device.h).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_OBJECTS_H
#define KILN_RUNTIME_OBJECTS_H

#include "kiln/runtime.h"

#include "artifact/ArtifactReader.h"
#include "runtime/lib/Device.h"

#include <atomic>
#include <memory>
#include <string>
#include <sys/mman.h>
#include <vector>

namespace kiln {

/// A read-only mapping of the whole artifact file.
struct FileMapping {
  void *data = nullptr;
  size_t size = 0;
  ~FileMapping() {
    if (data)
      munmap(data, size);
  }
};

/// 'a', 'b', ...: the names of `infos`, for messages.
std::string nameList(const std::vector<kiln_tensor_info> &infos);

} // namespace kiln

struct kiln_model {
  std::atomic<int> references{1};
  std::string file;
  kiln::ArtifactContents contents;
  // The artifact's bytes: a private read-only mapping of the file, or borrowed memory. Declared
  // before `device`, so the code is unloaded before the bytes go.
  kiln::FileMapping mapping;
  std::vector<uint8_t> weightsCopy; // when borrowed memory is misaligned
  const void *weights = nullptr;
  std::unique_ptr<kiln::DeviceModel> device;
  kiln_device device_kind = KILN_DEVICE_INVALID; // what the model was loaded onto
  int32_t ordinal = 0;                           // which device of that kind
  std::vector<kiln_tensor_info> inputInfo, outputInfo;
  std::vector<std::vector<const char *>> dimParamPointers;
  /// How many output dims are dynamic (the shapes entry point computes them).
  size_t dynamicOutputDims = 0;

  void retain() { references.fetch_add(1); }
  void release() {
    if (references.fetch_sub(1) == 1)
      delete this;
  }
};

struct kiln_session {
  kiln_model *model;
  std::unique_ptr<kiln::DeviceSession> device;
  std::atomic<bool> busy{false};
  bool haveShapes = false;
  std::vector<std::vector<int64_t>> outputShapes;
};

#endif // KILN_RUNTIME_OBJECTS_H
