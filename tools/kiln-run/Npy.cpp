//===- Npy.cpp - NumPy .npy files for kiln-run ------------------------------===//

#include "tools/kiln-run/Npy.h"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace kiln;

namespace {

struct Descr {
  const char *name;
  kiln_element_type type;
};
const Descr descrs[] = {
    {"f4", KILN_ELEMENT_TYPE_FLOAT32}, {"f8", KILN_ELEMENT_TYPE_FLOAT64},
    {"f2", KILN_ELEMENT_TYPE_FLOAT16}, {"i8", KILN_ELEMENT_TYPE_INT64},
    {"i4", KILN_ELEMENT_TYPE_INT32},   {"i2", KILN_ELEMENT_TYPE_INT16},
    {"i1", KILN_ELEMENT_TYPE_INT8},    {"u1", KILN_ELEMENT_TYPE_UINT8},
    {"u2", KILN_ELEMENT_TYPE_UINT16},  {"u4", KILN_ELEMENT_TYPE_UINT32},
    {"u8", KILN_ELEMENT_TYPE_UINT64},  {"b1", KILN_ELEMENT_TYPE_BOOL},
    // NumPy has no bfloat16; onnx saves one as 2-byte raw values: their bits are bf16's.
    {"V2", KILN_ELEMENT_TYPE_BFLOAT16},
};

/// The value of `'key':` in a .npy header dict, up to the next top-level comma or brace.
std::string field(const std::string &header, const std::string &key) {
  size_t at = header.find("'" + key + "'");
  if (at == std::string::npos)
    return {};
  at = header.find(':', at);
  if (at == std::string::npos)
    return {};
  size_t end = at + 1;
  int depth = 0;
  for (; end < header.size(); ++end) {
    char c = header[end];
    if (c == '(')
      ++depth;
    else if (c == ')')
      --depth;
    else if ((c == ',' || c == '}') && depth == 0)
      break;
  }
  std::string v = header.substr(at + 1, end - at - 1);
  size_t b = v.find_first_not_of(" "), e = v.find_last_not_of(" ");
  return b == std::string::npos ? std::string() : v.substr(b, e - b + 1);
}

} // namespace

bool kiln::readNpy(const std::string &path, NpyArray &out, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open '" + path + "': " + strerror(errno);
    return false;
  }
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0 || magic[6] < 1 ||
      magic[6] > 3) {
    error = "'" + path + "' is not a .npy file (version 1-3)";
    return false;
  }
  uint32_t headerLength = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char *>(b), 2)) {
      error = "'" + path + "': truncated header";
      return false;
    }
    headerLength = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char *>(b), 4)) {
      error = "'" + path + "': truncated header";
      return false;
    }
    headerLength = b[0] | (b[1] << 8) | (b[2] << 16) | (uint32_t(b[3]) << 24);
  }
  if (headerLength > (1u << 20)) {
    error = "'" + path + "': header too long";
    return false;
  }
  std::string header(headerLength, '\0');
  if (!in.read(&header[0], headerLength)) {
    error = "'" + path + "': truncated header";
    return false;
  }
  std::string descr = field(header, "descr"), fortran = field(header, "fortran_order"),
              shape = field(header, "shape");
  if (descr.size() < 4 || shape.empty() || shape.front() != '(') {
    error = "'" + path + "': malformed header: " + header;
    return false;
  }
  if (fortran != "False") {
    error = "'" + path + "': Fortran-order arrays are not supported; save with np.ascontiguousarray";
    return false;
  }
  char order = descr[1];
  std::string code = descr.substr(2, descr.size() - 3);
  out.elementType = KILN_ELEMENT_TYPE_INVALID;
  for (const Descr &d : descrs)
    if (code == d.name)
      out.elementType = d.type;
  if (out.elementType == KILN_ELEMENT_TYPE_INVALID || order == '>') {
    error = "'" + path + "': unsupported dtype " + descr;
    return false;
  }
  out.dims.clear();
  std::stringstream dims(shape.substr(1, shape.size() - 2));
  std::string item;
  uint64_t count = 1;
  while (std::getline(dims, item, ',')) {
    if (item.find_first_not_of(" ") == std::string::npos)
      continue;
    long long v = std::atoll(item.c_str());
    if (v < 0 || v > (1ll << 40)) {
      error = "'" + path + "': bad shape " + shape;
      return false;
    }
    out.dims.push_back(v);
    if (__builtin_mul_overflow(count, uint64_t(v), &count)) {
      error = "'" + path + "': shape overflows";
      return false;
    }
  }
  uint64_t bytes = count * kiln_element_type_size(out.elementType);
  out.data.resize(bytes);
  if (bytes && !in.read(reinterpret_cast<char *>(out.data.data()), std::streamsize(bytes))) {
    error = "'" + path + "': truncated data (expected " + std::to_string(bytes) + " bytes)";
    return false;
  }
  return true;
}

bool kiln::writeNpy(const std::string &path, kiln_element_type type,
                    const std::vector<int64_t> &dims, const void *data, size_t bytes,
                    std::string &error) {
  // NumPy has no bfloat16: write it widened to float32, which is exact.
  std::vector<float> widened;
  if (type == KILN_ELEMENT_TYPE_BFLOAT16) {
    widened.resize(bytes / 2);
    for (size_t i = 0; i < widened.size(); ++i) {
      uint32_t bits = uint32_t(static_cast<const uint16_t *>(data)[i]) << 16;
      std::memcpy(&widened[i], &bits, 4);
    }
    type = KILN_ELEMENT_TYPE_FLOAT32;
    data = widened.data();
    bytes = widened.size() * 4;
  }
  const char *code = nullptr;
  for (const Descr &d : descrs)
    if (d.type == type)
      code = d.name;
  if (!code) {
    error = std::string("cannot write element type ") + kiln_element_type_name(type) + " to .npy";
    return false;
  }
  std::string shape = "(";
  for (size_t i = 0; i < dims.size(); ++i)
    shape += std::to_string(dims[i]) + (dims.size() == 1 || i + 1 < dims.size() ? "," : "");
  shape += ")";
  char order = (type == KILN_ELEMENT_TYPE_BOOL || type == KILN_ELEMENT_TYPE_INT8 ||
                type == KILN_ELEMENT_TYPE_UINT8)
                   ? '|'
                   : '<';
  std::string header = std::string("{'descr': '") + order + code +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  out.write("\x93NUMPY\x01\x00", 8);
  unsigned char length[2] = {uint8_t(header.size() & 0xff), uint8_t(header.size() >> 8)};
  out.write(reinterpret_cast<char *>(length), 2);
  out << header;
  out.write(static_cast<const char *>(data), std::streamsize(bytes));
  out.close();
  if (!out || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    error = "cannot write '" + path + "'";
    return false;
  }
  return true;
}
