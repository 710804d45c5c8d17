//===- Npy.h - NumPy .npy files for kiln-run -------------------------------===//
//
// Reads and writes version 1-3 .npy files (C order) for the element types the runtime
// carries. Errors are messages, never exceptions or aborts.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_KILNRUN_NPY_H
#define KILN_TOOLS_KILNRUN_NPY_H

#include "kiln/runtime.h"

#include <string>
#include <vector>

namespace kiln {

struct NpyArray {
  kiln_element_type elementType = KILN_ELEMENT_TYPE_INVALID;
  std::vector<int64_t> dims;
  std::vector<unsigned char> data; // 64-byte aligned copy made by the caller when needed
};

/// Reads `path`; on failure returns false and sets `error`.
bool readNpy(const std::string &path, NpyArray &out, std::string &error);

/// Writes `bytes` bytes at `data` as an array of `type` and `dims` (bfloat16 as float32).
bool writeNpy(const std::string &path, kiln_element_type type, const std::vector<int64_t> &dims,
              const void *data, size_t bytes, std::string &error);

} // namespace kiln

#endif // KILN_TOOLS_KILNRUN_NPY_H
