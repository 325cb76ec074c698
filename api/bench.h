// `bench`: conversion and quantization speed in one run beside memcpy, the CPU's instructions and the engine.
#pragma once

#include <cstdint>   // std::uint64_t
#include <optional>  // std::optional
#include <string>    // std::string

#include "numscope/support/result.h"

namespace numscope::api {

/// The formats bench times by default.
inline constexpr const char* kBenchFormats = "fp16,bf16,tf32,e5m2,e4m3,e4m3fnuz,e5m2fnuz,e3m2,e2m3,e2m1";

struct BenchRequest {
  std::uint64_t size = std::uint64_t{64} << 20;  // fp32 input bytes, 1 KiB to 16 GiB
  std::string formats = kBenchFormats;           // comma-separated formats with a fast path
  std::optional<std::uint64_t> quantize_size;    // fp32 input of the quantize rows (default 4 MiB, at most size)
  bool quantize = true;                          // time the default quantize schemes too
};

/// "64M", "1G", "4096", "512KiB": bytes with an optional K, M or G (powers of 1024); throws InputError naming
/// `flag` outside 1 KiB .. 16 GiB.
std::uint64_t parse_bench_size(const std::string& text, const std::string& flag = "--size");

/// Tables "conversions" and (unless quantize is false) "quantize": name, gbps, ratio_memcpy, ratio_hardware and
/// ratio_reference (null where there is no instruction or no reference row). Ratios compare times taken in this
/// run. Throws InputError for a size out of range or a format without a fast path.
///
/// **Example**:
///   BenchRequest b;
///   b.size = 1 << 20;
///   b.quantize = false;
///   Result r = api::bench(b);  // r.table("conversions"): memcpy first, then each kernel
Result bench(const BenchRequest& request);
/// The names of the tables bench(request) returns, known before it runs (the CLI checks --table and CSV first).
std::vector<std::string> bench_table_names(const BenchRequest& request);

}  // namespace numscope::api
