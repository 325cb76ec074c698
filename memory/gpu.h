// The GPU catalog of the memory estimator: the memory each card reports to its driver, in bytes.
#pragma once

#include <cstdint>      // std::int64_t
#include <span>         // std::span
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

namespace numscope::memory {

struct Gpu {
  std::string_view name;       // canonical name: "H100-80GB"
  std::int64_t capacity_bytes;  // total memory as the driver reports it (nvidia-smi MiB · 2^20; rocm-smi bytes)
  std::string_view marketed;    // what the box says: "80 GB HBM3"
  std::string_view reported;    // the driver's figure as printed: "81559 MiB"
};

/// Every card, in the order of `numscope memory --list-gpus`.
std::span<const Gpu> gpus();
/// Looks a card up by name or alias, ignoring case, '-', '_' and spaces ("h100", "H100 80GB", "rtx4090").
/// Throws InputError naming the catalog otherwise.
const Gpu& find_gpu(std::string_view name);
/// A comma-separated list of cards (as find_gpu).
std::vector<Gpu> find_gpus(std::string_view list);
std::string gpu_names();

}  // namespace numscope::memory
