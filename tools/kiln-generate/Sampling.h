//===- Sampling.h - the next token from a row of logits ---------*- C++ -*-===//
//
// Greedy (argmax, the first of equal maxima, as torch.argmax) or seeded sampling from
// softmax(logits / temperature), restricted to the top k tokens and to the smallest set of most
// likely tokens whose probabilities reach top p (the order of the filters Hugging Face's
// generate applies: temperature, top-k, top-p).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_TOOLS_KILNGENERATE_SAMPLING_H
#define KILN_TOOLS_KILNGENERATE_SAMPLING_H

#include "kiln/runtime.h"

#include <cstdint>
#include <random>
#include <vector>

namespace kiln {

struct SamplingOptions {
  double temperature = 0; // 0: greedy
  int64_t topK = 0;       // 0: every token
  double topP = 1;        // 1: every token
  uint64_t seed = 0;
};

class Sampler {
public:
  explicit Sampler(const SamplingOptions &options) : options(options), rng(options.seed) {}

  /// The next token's id.
  int64_t next(const std::vector<float> &logits);

private:
  SamplingOptions options;
  std::mt19937_64 rng;
};

/// `n` values of `type` (f32, f16 or bf16) at `data` as floats.
std::vector<float> toFloats(const void *data, kiln_element_type type, size_t n);

} // namespace kiln

#endif // KILN_TOOLS_KILNGENERATE_SAMPLING_H
