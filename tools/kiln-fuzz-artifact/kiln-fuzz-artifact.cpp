//===- kiln-fuzz-artifact.cpp - libFuzzer target for the artifact reader --===//
//
// Feeds arbitrary bytes to the artifact reader: everything the runtime checks before it maps a
// model's code (header, section table, metadata records). Checksums are skipped for inputs
// whose first byte is odd, so that mutations reach the parsers behind them instead of all
// stopping at the checksum; the other half exercises the checksummed path as loaded. The
// reader must return a result or an error; crashes, sanitizer reports and hangs are findings.
// Loading the code itself (dlopen) is out of scope: an artifact is as trusted as a program.
//
//===----------------------------------------------------------------------===//

#include "artifact/ArtifactReader.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kiln::ArtifactContents contents;
  kiln::Checksums checksums =
      size && (data[0] & 1) ? kiln::Checksums::None : kiln::Checksums::All;
  kiln::ArtifactError error = kiln::readArtifact(data, size, checksums, contents);
  // Touch what a successful read returns, so an out-of-range pointer is a finding.
  if (!error) {
    volatile uint8_t sink = 0;
    for (uint64_t i = 0; i < contents.codeSize; i += 4096)
      sink ^= contents.code[i];
    for (const auto &t : contents.inputs)
      sink ^= uint8_t(t.name.size() + t.dims.size());
    (void)sink;
  }
  return 0;
}
