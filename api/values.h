// `values`: every code of a format of at most 16 bits, with its class and exact value.
#pragma once

#include <cstdint>  // std::uint64_t
#include <string>   // std::string

#include "numscope/support/result.h"

namespace numscope::api {

struct ValuesRequest {
  std::string format;        // a format of at most 16 bits
  bool finite_only = false;  // leave out inf and NaN codes
};

/// The most characters of exact decimals one `values` result may hold (about 32 MB): bf16 needs about 3 MB,
/// while a legal 16-bit user format with a far bias (e8m7:bias=16384) would need about 1 GB.
inline constexpr std::uint64_t kMaxValuesChars = std::uint64_t{32} << 20;

/// Table "values": code (hex), bits (grouped by field), class (zero, subnormal, normal, inf, nan, integer), value
/// (exact), in code order. Throws InputError for a format wider than 16 bits, or whose exact values would take
/// more than kMaxValuesChars characters (estimated from the row before any is built).
///
/// **Example**:
///   Result r = api::values({.format = "e2m1"});
///   r.tables[0].rows[7][3].value == "6"  // code 0x7: OCP MX FP4's largest value
Result values(const ValuesRequest& request);

/// The characters the exact values of every code of `format` (at most 16 bits) take, estimated from the row
/// within 10% (tests/cli/contract_test.cpp): what `values` checks against kMaxValuesChars.
std::uint64_t values_chars(const std::string& format);

}  // namespace numscope::api
