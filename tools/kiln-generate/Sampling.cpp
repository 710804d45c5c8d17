//===- Sampling.cpp - the next token from a row of logits -----------------===//

#include "tools/kiln-generate/Sampling.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

using namespace kiln;

int64_t Sampler::next(const std::vector<float> &logits) {
  if (options.temperature == 0)
    return std::max_element(logits.begin(), logits.end()) - logits.begin();
  // Candidates by decreasing logit (ties: the lower id first), then the filters.
  std::vector<int64_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return logits[size_t(a)] > logits[size_t(b)]; });
  if (options.topK > 0 && size_t(options.topK) < order.size())
    order.resize(size_t(options.topK));
  std::vector<double> p(order.size());
  double top = double(logits[size_t(order.front())]) / options.temperature, total = 0;
  for (size_t i = 0; i < order.size(); ++i)
    total += p[i] = std::exp(double(logits[size_t(order[i])]) / options.temperature - top);
  size_t keep = order.size();
  if (options.topP < 1) {
    double reached = 0;
    for (keep = 0; keep < order.size();)
      if ((reached += p[keep++] / total) >= options.topP)
        break;
    total = std::accumulate(p.begin(), p.begin() + long(keep), 0.0);
  }
  double u = std::uniform_real_distribution<double>(0, total)(rng);
  for (size_t i = 0; i < keep; ++i)
    if ((u -= p[i]) < 0)
      return order[i];
  return order[keep - 1];
}

std::vector<float> kiln::toFloats(const void *data, kiln_element_type type, size_t n) {
  std::vector<float> out(n);
  const auto *bytes = static_cast<const unsigned char *>(data);
  for (size_t i = 0; i < n; ++i) {
    if (type == KILN_ELEMENT_TYPE_FLOAT32) {
      std::memcpy(&out[i], bytes + 4 * i, 4);
      continue;
    }
    uint16_t h;
    std::memcpy(&h, bytes + 2 * i, 2);
    uint32_t bits;
    if (type == KILN_ELEMENT_TYPE_BFLOAT16) {
      bits = uint32_t(h) << 16;
    } else {
      uint32_t sign = uint32_t(h & 0x8000) << 16, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
      if (exponent == 0) {
        float f = std::ldexp(float(mantissa), -24);
        out[i] = sign ? -f : f;
        continue;
      }
      bits = sign | (exponent == 31 ? 0x7f800000u | mantissa << 13
                                    : (exponent + 112) << 23 | mantissa << 13);
    }
    std::memcpy(&out[i], &bits, 4);
  }
  return out;
}
