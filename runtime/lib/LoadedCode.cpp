//===- LoadedCode.cpp - an artifact's code section, dlopened --------------===//

#include "runtime/lib/LoadedCode.h"

#include "artifact/ArtifactReader.h"
#include "runtime/lib/Status.h"
#include "runtime/lib/abi.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

using namespace kiln;

LoadedCode::~LoadedCode() {
  if (handle)
    dlclose(handle);
  if (fd >= 0)
    close(fd);
}

namespace {

/// Writes the code to an anonymous file and dlopens it. The fd stays open while the code is
/// loaded: glibc identifies loaded objects by path, and /proc/self/fd/N must not be reused.
std::string loadCode(const uint8_t *code, uint64_t size, const std::string &name,
                     LoadedCode &out) {
  std::string reasons;
  int fd = memfd_create(("kiln:" + name).c_str(), MFD_CLOEXEC);
  std::string path;
  if (fd >= 0) {
    path = "/proc/self/fd/" + std::to_string(fd);
  } else {
    reasons = std::string("memfd_create: ") + strerror(errno);
    const char *dir = getenv("KILN_TMPDIR");
    if (!dir)
      dir = getenv("TMPDIR");
    std::string templ = std::string(dir ? dir : "/tmp") + "/kiln-code-XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back(0);
    fd = mkstemp(buf.data());
    if (fd < 0)
      return reasons + "; mkstemp: " + strerror(errno);
    path = buf.data();
  }
  for (uint64_t done = 0; done < size;) {
    ssize_t n = write(fd, code + done, size - done);
    if (n <= 0) {
      std::string err = std::string("write: ") + strerror(errno);
      close(fd);
      return err;
    }
    done += uint64_t(n);
  }
  out.fd = fd;
  out.handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (path.rfind("/proc/", 0) != 0)
    unlink(path.c_str());
  if (!out.handle) {
    const char *err = dlerror();
    return reasons + (reasons.empty() ? "" : "; ") + (err ? err : "dlopen failed");
  }
  return {};
}

} // namespace

kiln_status *kiln::loadModelCode(const char *fn, const char *file, const ArtifactContents &c,
                                 LoadedCode &out) {
  std::string error = loadCode(c.code, c.codeSize, c.modelName, out);
  if (!error.empty())
    return makeStatus(KILN_UNAVAILABLE, "%s: '%s': cannot load the model's code: %s", fn, file,
                      error.c_str());
  out.module = static_cast<const kiln_gen_module *>(dlsym(out.handle, "kiln_module"));
  if (!out.module)
    return makeStatus(KILN_DATA_LOSS, "%s: '%s': the model's code does not export kiln_module", fn,
                      file);
  const kiln_gen_module &m = *out.module;
  if (m.abi_version != KILN_GEN_ABI_VERSION)
    return makeStatus(KILN_UNIMPLEMENTED, "%s: '%s': code ABI version %u, this runtime speaks %u",
                      fn, file, m.abi_version, KILN_GEN_ABI_VERSION);
  uint32_t dynamicOutputDims = 0;
  for (const TensorDecl &t : c.outputs)
    dynamicOutputDims += uint32_t(std::count(t.dims.begin(), t.dims.end(), -1));
  if (m.num_inputs != c.inputs.size() || m.num_outputs != c.outputs.size() ||
      m.num_output_dims != dynamicOutputDims || !m.run || !m.bind ||
      (dynamicOutputDims && !m.shapes))
    return makeStatus(KILN_DATA_LOSS, "%s: '%s': the code's signature (%u inputs, %u outputs) "
                      "disagrees with the metadata (%zu inputs, %zu outputs)",
                      fn, file, m.num_inputs, m.num_outputs, c.inputs.size(), c.outputs.size());
  return nullptr;
}
