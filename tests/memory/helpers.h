// Helpers the memory tests share: an estimate from key/value options, and a row of it by name.
#pragma once

#include <catch2/catch.hpp>

#include <string>   // std::string
#include <utility>  // std::pair
#include <vector>   // std::vector

#include "numscope/memory/estimate.h"

namespace numscope::memory::test {

using KV = std::vector<std::pair<std::string, std::string>>;

inline MemoryEstimate est(const KV& kv) { return estimate(make_request(kv)); }

/// The row named `name`, or nullptr.
inline const Component* find(const MemoryEstimate& e, const std::string& name) {
  for (const Component& c : e.components)
    if (c.name == name) return &c;
  return nullptr;
}

/// The row named `name`; the test fails when there is none.
inline const Component& component(const MemoryEstimate& e, const std::string& name) {
  const Component* c = find(e, name);
  if (!c) FAIL("no component " << name);
  return *c;
}

}  // namespace numscope::memory::test
