//===- CodeImports.h - What a CPU artifact's code may import --------------===//
//
// Generated model code needs nothing from the process beyond a few libc and libm functions
// (everything else comes through kiln_rt_api). Before the code is mapped, its ELF dynamic
// symbol table is read with bounds checks on every offset and each undefined symbol is looked
// up in that list, so an artifact whose code would bind `system`, `dlopen` or anything else
// is rejected by name. This is an integrity check, not a sandbox: loading an artifact runs
// its code, so artifacts must come from a compiler the user trusts
// (docs/design/runtime-and-artifact.md, section 1).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_RUNTIME_CODEIMPORTS_H
#define KILN_RUNTIME_CODEIMPORTS_H

#include <cstdint>
#include <string>

namespace kiln {

/// Checks the ELF64 little-endian shared object in [data, data + size): its section headers
/// and dynamic symbol table lie inside the bytes, and every undefined symbol is one generated
/// code may use. Returns "" when it passes, else what is wrong.
std::string checkCodeImports(const uint8_t *data, uint64_t size);

/// Whether `name` is a function generated code may import.
bool isAllowedImport(const std::string &name);

} // namespace kiln

#endif // KILN_RUNTIME_CODEIMPORTS_H
