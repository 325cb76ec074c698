// The table of mapped input files of mapped_inputs.h: fixed slots, published through atomics for signal handlers.
#include "numscope/support/mapped_inputs.h"

#include <atomic>   // std::atomic
#include <cstdint>  // std::uintptr_t
#include <cstring>  // std::memcpy

namespace numscope {
namespace {

constexpr int kSlots = 256;  // quantize opens one map per --input shard
constexpr std::size_t kMaxPath = 1024;
struct Slot {
  std::atomic<bool> used{false}, live{false};
  std::uintptr_t begin = 0, end = 0;
  char path[kMaxPath];
};
Slot g_slots[kSlots];

}  // namespace

int register_mapping(const void* begin, std::size_t size, const std::string& path) noexcept {
  for (int i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (!g_slots[i].used.compare_exchange_strong(expected, true)) continue;
    Slot& s = g_slots[i];
    s.begin = reinterpret_cast<std::uintptr_t>(begin);
    s.end = s.begin + size;
    const std::size_t n = path.size() < kMaxPath - 1 ? path.size() : kMaxPath - 1;  // a long path is cut
    std::memcpy(s.path, path.data(), n);
    s.path[n] = '\0';
    s.live.store(true);
    return i;
  }
  return -1;
}

void unregister_mapping(int slot) noexcept {
  if (slot < 0) return;
  g_slots[slot].live.store(false);
  g_slots[slot].used.store(false);
}

const char* mapping_path_at(const void* addr) noexcept {
  const auto a = reinterpret_cast<std::uintptr_t>(addr);
  for (const Slot& s : g_slots)
    if (s.live.load() && a >= s.begin && a < s.end) return s.path;
  return nullptr;
}

}  // namespace numscope
