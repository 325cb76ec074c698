// `verify`: the fast conversion kernels against the reference engine (and the CPU's instructions), bit for bit.
#pragma once

#include <string>  // std::string
#include <vector>  // std::vector

#include "numscope/support/result.h"

namespace numscope::api {

/// The formats verify checks by default, and "all" of them.
inline constexpr const char* kVerifyFormats = "fp16,bf16,e4m3,e5m2";
inline constexpr const char* kVerifyAllFormats =
    "fp16,bf16,tf32,e5m2,e4m3,e4m3fnuz,e5m2fnuz,e4m3b11fnuz,e4m3-ieee,e3m4,e3m2,e2m3,e2m1";

struct VerifyRequest {
  bool exhaustive = false;                   // all 2^32 fp32 inputs (default: one exponent field in 16)
  std::string formats = kVerifyFormats;      // comma-separated, or "all"
  std::vector<std::string> roundings;        // rne and/or rna; empty: rne (and rna too for tf32)
  std::string isa = "best";                  // kernel instruction set: best, all, portable, avx2, avx512
  unsigned threads = 0;                      // 0: every core
};

/// Table "verify": one row per conversion, rounding, overflow policy and kernel with inputs, mismatches, the
/// instruction compared (null when the CPU has none), its mismatches and DAZ-skipped inputs, and seconds; notes
/// list the first mismatches and the totals. status is 1 on any mismatch. Throws InputError for a format
/// without a fast path, a rounding the kernels do not cover, or an instruction set this CPU lacks.
///
/// **Example**:
///   Result r = api::verify({});  // fp16, bf16, e4m3, e5m2 on a sample of exponents; r.status == 0
Result verify(const VerifyRequest& request);

}  // namespace numscope::api
