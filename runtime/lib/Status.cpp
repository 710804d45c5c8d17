//===- Status.cpp - statuses, versions and element types of the C API ------===//

#include "runtime/lib/Status.h"

#include "artifact/ArtifactFormat.h"

#include <cstdarg>
#include <cstdio>

using namespace kiln;

namespace {

kiln_status outOfMemory{KILN_RESOURCE_EXHAUSTED, "out of memory while reporting an error"};

} // namespace

kiln_status *kiln::makeStatus(kiln_code code, const char *fmt, ...) {
  char buf[1024];
  va_list args;
  va_start(args, fmt);
  vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  auto *s = new (std::nothrow) kiln_status;
  if (!s)
    return &outOfMemory;
  try {
    s->code = code;
    s->message = buf;
  } catch (...) {
    delete s;
    return &outOfMemory;
  }
  return s;
}

const char *kiln_version(void) { return "0.1.0"; }
uint32_t kiln_artifact_format_version(void) { return KILN_ARTIFACT_FORMAT_VERSION; }

kiln_code kiln_status_code(const kiln_status *status) { return status ? status->code : KILN_OK; }
const char *kiln_status_message(const kiln_status *status) {
  return status ? status->message.c_str() : "ok";
}
void kiln_status_release(kiln_status *status) {
  if (status != &outOfMemory)
    delete status;
}

const char *kiln_code_name(kiln_code code) {
  switch (code) {
  case KILN_OK: return "OK";
  case KILN_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
  case KILN_NOT_FOUND: return "NOT_FOUND";
  case KILN_PERMISSION_DENIED: return "PERMISSION_DENIED";
  case KILN_RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
  case KILN_FAILED_PRECONDITION: return "FAILED_PRECONDITION";
  case KILN_UNIMPLEMENTED: return "UNIMPLEMENTED";
  case KILN_INTERNAL: return "INTERNAL";
  case KILN_UNAVAILABLE: return "UNAVAILABLE";
  case KILN_DATA_LOSS: return "DATA_LOSS";
  default: return "UNKNOWN";
  }
}

size_t kiln_element_type_size(kiln_element_type type) {
  switch (type) {
  case KILN_ELEMENT_TYPE_UINT8: case KILN_ELEMENT_TYPE_INT8: case KILN_ELEMENT_TYPE_BOOL: return 1;
  case KILN_ELEMENT_TYPE_UINT16: case KILN_ELEMENT_TYPE_INT16: case KILN_ELEMENT_TYPE_FLOAT16:
  case KILN_ELEMENT_TYPE_BFLOAT16: return 2;
  case KILN_ELEMENT_TYPE_FLOAT32: case KILN_ELEMENT_TYPE_INT32: case KILN_ELEMENT_TYPE_UINT32: return 4;
  case KILN_ELEMENT_TYPE_INT64: case KILN_ELEMENT_TYPE_FLOAT64: case KILN_ELEMENT_TYPE_UINT64: return 8;
  default: return 0;
  }
}

const char *kiln_element_type_name(kiln_element_type type) {
  switch (type) {
  case KILN_ELEMENT_TYPE_FLOAT32: return "float32";
  case KILN_ELEMENT_TYPE_UINT8: return "uint8";
  case KILN_ELEMENT_TYPE_INT8: return "int8";
  case KILN_ELEMENT_TYPE_UINT16: return "uint16";
  case KILN_ELEMENT_TYPE_INT16: return "int16";
  case KILN_ELEMENT_TYPE_INT32: return "int32";
  case KILN_ELEMENT_TYPE_INT64: return "int64";
  case KILN_ELEMENT_TYPE_BOOL: return "bool";
  case KILN_ELEMENT_TYPE_FLOAT16: return "float16";
  case KILN_ELEMENT_TYPE_FLOAT64: return "float64";
  case KILN_ELEMENT_TYPE_UINT32: return "uint32";
  case KILN_ELEMENT_TYPE_UINT64: return "uint64";
  case KILN_ELEMENT_TYPE_BFLOAT16: return "bfloat16";
  default: return "unknown";
  }
}
