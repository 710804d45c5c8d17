//===- CodeImports.cpp - What a CPU artifact's code may import ------------===//

#include "artifact/CodeImports.h"

#include <algorithm>
#include <cstring>
#include <elf.h>

using namespace kiln;

namespace {

template <typename T> bool readAt(const uint8_t *data, uint64_t size, uint64_t offset, T &out) {
  if (offset > size || size - offset < sizeof(T))
    return false;
  std::memcpy(&out, data + offset, sizeof(T));
  return true;
}

/// Functions MLIR's libm and memref lowerings and the C stub call: single and double
/// precision forms of the math library, and the memory primitives.
const char *const kMathFunctions[] = {
    "acos",  "acosh", "asin",  "asinh", "atan",  "atan2",     "atanh", "cbrt",  "ceil",
    "copysign", "cos", "cosh", "erf",   "erfc",  "exp",       "exp2",  "expm1", "fabs",
    "floor", "fma",   "fmax",  "fmin",  "fmod",  "hypot",     "ldexp", "log",   "log10",
    "log1p", "log2",  "nearbyint", "pow", "rint", "round",    "roundeven", "sin", "sincos",
    "sinh",  "sqrt",  "tan",   "tanh",  "trunc"};
const char *const kOtherFunctions[] = {
    "memcpy", "memmove", "memset",
    // Referenced (weakly) by every shared object's startup code from the C toolchain.
    "__cxa_finalize", "__gmon_start__", "_ITM_deregisterTMCloneTable",
    "_ITM_registerTMCloneTable"};

} // namespace

bool kiln::isAllowedImport(const std::string &name) {
  for (const char *f : kOtherFunctions)
    if (name == f)
      return true;
  for (const char *f : kMathFunctions)
    if (name == f || name == std::string(f) + "f")
      return true;
  return false;
}

std::string kiln::checkCodeImports(const uint8_t *data, uint64_t size) {
  Elf64_Ehdr header;
  if (!readAt(data, size, 0, header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0 ||
      header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB)
    return "not an ELF64 little-endian object";
  if (header.e_shentsize != sizeof(Elf64_Shdr) || header.e_shnum == 0)
    return "no section headers";
  auto section = [&](uint64_t index, Elf64_Shdr &out) {
    return index < header.e_shnum &&
           readAt(data, size, header.e_shoff + index * sizeof(Elf64_Shdr), out);
  };
  bool sawDynsym = false;
  for (uint64_t i = 0; i < header.e_shnum; ++i) {
    Elf64_Shdr symtab, strtab;
    if (!section(i, symtab))
      return "section header " + std::to_string(i) + " lies outside the code";
    if (symtab.sh_type != SHT_DYNSYM)
      continue;
    sawDynsym = true;
    if (symtab.sh_entsize != sizeof(Elf64_Sym) || !section(symtab.sh_link, strtab) ||
        strtab.sh_type != SHT_STRTAB || symtab.sh_offset > size ||
        symtab.sh_size > size - symtab.sh_offset || strtab.sh_offset > size ||
        strtab.sh_size > size - strtab.sh_offset)
      return "the dynamic symbol table lies outside the code";
    const char *names = reinterpret_cast<const char *>(data + strtab.sh_offset);
    for (uint64_t s = 1; s < symtab.sh_size / sizeof(Elf64_Sym); ++s) {
      Elf64_Sym sym;
      if (!readAt(data, size, symtab.sh_offset + s * sizeof(Elf64_Sym), sym))
        return "the dynamic symbol table lies outside the code";
      if (sym.st_shndx != SHN_UNDEF)
        continue;
      if (sym.st_name >= strtab.sh_size)
        return "a symbol name lies outside the string table";
      const char *name = names + sym.st_name;
      size_t length = strnlen(name, strtab.sh_size - sym.st_name);
      if (length == strtab.sh_size - sym.st_name)
        return "a symbol name is not terminated";
      std::string imported(name, length);
      if (!isAllowedImport(imported))
        return "the code imports '" + imported.substr(0, 128) +
               "', which generated code never uses";
    }
  }
  if (!sawDynsym)
    return "no dynamic symbol table";
  return "";
}
