#pragma once
// A tiny deterministic generator for randomized tests (Marsaglia's xorshift32): the same seed
// gives the same texts on every platform and standard library, unlike std::uniform_* over
// std::mt19937.

#include <cstdint>

namespace newsflow::testing {

class XorShift32 {
 public:
  explicit XorShift32(uint32_t seed) : x_(seed) {}  // seed != 0
  uint32_t operator()() {
    x_ ^= x_ << 13, x_ ^= x_ >> 17, x_ ^= x_ << 5;
    return x_;
  }

 private:
  uint32_t x_;
};

}  // namespace newsflow::testing
