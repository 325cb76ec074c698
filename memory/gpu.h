// The GPU catalog of the memory estimator: memory as the driver reports it, bandwidth, dense peak throughput per
// format and the formats each generation runs natively, read from one data file (memory/gpus.json) with a source
// for every figure; plus cards the user describes (`24GiB`, `name:capacity`).
#pragma once

#include <cstdint>      // std::int64_t
#include <optional>     // std::optional
#include <span>         // std::span
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

namespace numscope::memory {

/// Dense (no 2:4 sparsity) peak throughput in FLOP/s for one compute format: "fp32" (CUDA cores), "tf32", "bf16",
/// "fp16", "fp8", "fp4" (tensor cores; GeForce cards at their FP32-accumulate rate).
struct Peak {
  std::string format;
  double flops = 0;
};

struct Gpu {
  std::string name;                  // canonical name: "H100-80GB"
  std::vector<std::string> aliases;  // other spellings find_gpu accepts: "H100", "H100-SXM"
  std::string vendor;                // NVIDIA, AMD
  std::string generation;            // Volta, Turing, Ampere, Ada, Hopper, Blackwell, CDNA3, ...
  std::string segment;               // data-centre, workstation, consumer
  std::int64_t capacity_bytes = 0;   // total memory as the driver reports it (nvidia-smi MiB · 2^20)
  std::string marketed;              // what the box says: "80 GB HBM3"
  std::string reported;              // the driver's figure as printed: "81559 MiB"
  std::string capacity_source;       // the public log that shows `reported`
  double bandwidth = 0;              // memory bandwidth in bytes/s (0: unknown)
  std::vector<Peak> peaks;           // dense peak FLOP/s per format (empty: unknown)
  std::string spec_source;           // where bandwidth and throughput come from
  std::vector<std::string> native;   // formats the generation computes natively (fp32, tf32, bf16, fp16, fp8, fp4)
  bool custom = false;               // described by the user (--gpu 24GiB), not from the catalog

  /// The dense peak for one compute format, or nothing when the card does not run it natively.
  std::optional<double> peak(std::string_view format) const;
  bool supports(std::string_view format) const;
};

/// Every card of the catalog, in the order of memory/gpus.json (`numscope memory --list-gpus`).
std::span<const Gpu> gpus();
/// Looks a card of the catalog up by name or alias, ignoring case, '-', '_' and spaces ("h100", "H100 80GB",
/// "rtx4090"). Throws InputError naming the catalog otherwise.
const Gpu& find_gpu(std::string_view name);
/// A card from the user's text: a catalog name ("H100"), a capacity with its unit ("24GiB", "22528MiB", "80GB"),
/// or a name and a capacity ("2080ti-22g:22GiB"; a catalog name keeps its bandwidth and throughput). Throws
/// InputError for an unknown name, a capacity without a unit, or an absurd size.
Gpu parse_gpu(std::string_view spec);
/// A comma-separated list of cards (as parse_gpu).
std::vector<Gpu> parse_gpus(std::string_view list);
/// A comma-separated list of catalog cards (as find_gpu).
std::vector<Gpu> find_gpus(std::string_view list);
/// The catalog's names, comma-separated, for error messages.
std::string gpu_names();

}  // namespace numscope::memory
