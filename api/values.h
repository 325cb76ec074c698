// `values`: every code of a format of at most 16 bits, with its class and exact value.
#pragma once

#include <cstdint>  // std::uint64_t
#include <string>   // std::string
#include <vector>   // std::vector

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
/// (exact), in code order. Throws InputError for a format wider than 16 bits (naming decode and explain --bits
/// for single codes), or whose exact values would take more than kMaxValuesChars characters (estimated from the
/// row before any is built).
///
/// **Example**:
///   Result r = api::values({.format = "e2m1"});
///   r.tables[0].rows[7][3].value == "6"  // code 0x7: OCP MX FP4's largest value
Result values(const ValuesRequest& request);

struct DecodeRequest {
  std::string format;              // any format, fp64 and 128-bit user formats included
  std::vector<std::string> codes;  // 0x3dcccccd, 0b0011..., bare hex (api/common.h parse_code)
};

/// `numscope decode`: table "codes", one row per code in the order given: input (as typed), code (hex), bits
/// (grouped by field), class, value (exact; text shows the power of two in front of long values). Throws
/// InputError for a code that is not hex or binary or is wider than the format.
///
/// **Example**:
///   Result r = api::decode_codes({.format = "fp32", .codes = {"0x3dcccccd"}});
///   r.tables[0].rows[0][4].value == "0.100000001490116119384765625"
Result decode_codes(const DecodeRequest& request);

/// The characters the exact values of every code of `format` (at most 16 bits) take, estimated from the row
/// within 10% (tests/cli/contract_test.cpp): what `values` checks against kMaxValuesChars.
std::uint64_t values_chars(const std::string& format);

}  // namespace numscope::api
