// The GPU catalog (see gpu.h): driver-reported memory sizes, never the marketed "80 GB" taken as 80·10^9 bytes.
#include "numscope/memory/gpu.h"

#include <array>   // std::array
#include <cctype>  // std::tolower, std::isalnum

#include "numscope/support/error.h"

namespace numscope::memory {
namespace {

constexpr std::int64_t kMiB = 1024 * 1024;

// Total memory in MiB as `nvidia-smi --query-gpu=memory.total` prints it (the FB memory the driver exposes, a
// little less than the marketed size for HBM cards with ECC reserved), and AMD MI300X in bytes as rocm-smi
// --showmeminfo vram reports it. Values collected in numscope's shared REFERENCE §4 from the vendors' tools.
constexpr std::array kGpus = {
    Gpu{"H100-80GB", 81559 * kMiB, "80 GB HBM3 (SXM, PCIe)", "81559 MiB"},
    Gpu{"H100-NVL", 95830 * kMiB, "94 GB HBM3", "95830 MiB"},
    Gpu{"H200", 143771 * kMiB, "141 GB HBM3e", "143771 MiB"},
    Gpu{"H800", 81559 * kMiB, "80 GB HBM3", "81559 MiB"},
    Gpu{"H20", 97871 * kMiB, "96 GB HBM3", "97871 MiB"},
    Gpu{"A100-40GB", 40960 * kMiB, "40 GB HBM2", "40960 MiB"},
    Gpu{"A100-80GB", 81920 * kMiB, "80 GB HBM2e", "81920 MiB"},
    Gpu{"A800", 81920 * kMiB, "80 GB HBM2e (as A100-80GB)", "81920 MiB"},
    Gpu{"L40S", 46068 * kMiB, "48 GB GDDR6", "46068 MiB"},
    Gpu{"A30", 24576 * kMiB, "24 GB HBM2", "24576 MiB"},
    Gpu{"V100-16GB", 16384 * kMiB, "16 GB HBM2", "16384 MiB"},
    Gpu{"V100-32GB", 32768 * kMiB, "32 GB HBM2", "32768 MiB"},
    Gpu{"T4", 15360 * kMiB, "16 GB GDDR6", "15360 MiB"},
    Gpu{"RTX-4090", 24564 * kMiB, "24 GB GDDR6X", "24564 MiB"},
    Gpu{"RTX-3090", 24576 * kMiB, "24 GB GDDR6X", "24576 MiB"},
    Gpu{"B200", 183359 * kMiB, "180 GB HBM3e", "183359 MiB"},
    Gpu{"MI300X", 205'822'885'888, "192 GB HBM3", "205822885888 B"},
};

struct Alias {
  std::string_view alias, name;  // both folded (lower case, letters and digits only)
};
constexpr std::array kAliases = {
    Alias{"h100", "H100-80GB"},      Alias{"h100sxm", "H100-80GB"}, Alias{"h100pcie", "H100-80GB"},
    Alias{"h10080gbhbm3", "H100-80GB"}, Alias{"h100nvl94gb", "H100-NVL"},
    Alias{"a80080gb", "A800"},       Alias{"h80080gb", "H800"},     Alias{"h20096gb", "H20"},
    Alias{"4090", "RTX-4090"},       Alias{"geforcertx4090", "RTX-4090"}, Alias{"3090", "RTX-3090"},
    Alias{"geforcertx3090", "RTX-3090"}, Alias{"teslat4", "T4"},
    Alias{"instinctmi300x", "MI300X"},
};

std::string fold(std::string_view s) {
  std::string r;
  for (char c : s)
    if (std::isalnum(static_cast<unsigned char>(c))) r += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

}  // namespace

std::span<const Gpu> gpus() { return kGpus; }

std::string gpu_names() {
  std::string s;
  for (const Gpu& g : kGpus) s += (s.empty() ? "" : ", ") + std::string(g.name);
  return s;
}

const Gpu& find_gpu(std::string_view name) {
  std::string key = fold(name);
  for (const Alias& a : kAliases)
    if (a.alias == key) key = fold(a.name);
  for (const Gpu& g : kGpus)
    if (fold(g.name) == key) return g;
  throw InputError("unknown GPU '" + std::string(name) + "'; the catalog (numscope memory --list-gpus): " +
                   gpu_names());
}

std::vector<Gpu> find_gpus(std::string_view list) {
  std::vector<Gpu> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = list.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) throw InputError("empty GPU name in '" + std::string(list) + "'; the catalog: " + gpu_names());
    out.push_back(find_gpu(item));
    start = comma + 1;
  }
  return out;
}

}  // namespace numscope::memory
