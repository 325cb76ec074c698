// Converting little-endian code streams from one format to another (`numscope cast`, and any front end that casts
// bytes): the fast kernels where they apply, the engine elsewhere, and no silent wrong code.
//
// A code the target cannot hold is never written silently: NaN into a format without a NaN code (e2m1, e3m2,
// e2m3, the integers, ...) is refused naming the element, or mapped by an explicit policy (--nan-to); a negative
// value into a format without a sign is refused; a container code with bits set outside its format's field
// (tf32's low 13 bits) is refused, or truncated on request with NaN kept NaN. Saturations (±max stored for a
// larger value) and overflows to inf/NaN are counted for the caller to report.
#pragma once

#include <cstddef>  // std::size_t
#include <cstdint>  // std::uint64_t
#include <string>   // std::string

#include "numscope/formats/engine.h"
#include "numscope/formats/fast/convert.h"
#include "numscope/formats/format.h"

namespace numscope {

/// What a NaN input becomes in a target format without a NaN code.
enum class NanTo { kError, kZero, kMax };
/// Parses --nan-to: error (the default), zero (+0) or max (+max); throws InputError otherwise.
NanTo parse_nan_to(const std::string& s);

struct CastPolicy {
  NanTo nan_to = NanTo::kError;
  bool truncate_low_bits = false;  // --tf32-truncate: drop set bits below a container format's field
};

/// What a cast did to values the target could not hold exactly in range.
struct CastCounts {
  std::uint64_t elements = 0;
  std::uint64_t saturated = 0;   // ±max (or an integer bound) stored for a value beyond it
  std::uint64_t overflowed = 0;  // ±inf or NaN stored for a finite value beyond the range
  std::uint64_t nan_mapped = 0;  // NaN inputs mapped by --nan-to zero|max
  std::uint64_t truncated = 0;   // container codes whose low bits --tf32-truncate dropped
};

/// Converts blocks of codes, counting as it goes.
///
/// Example:
///   CodeCast c(find_format("fp32"), find_format("e2m1"), {}, {});
///   c.convert(in, out, n, 0);   // throws InputError "element 3 (byte offset 12) is NaN; e2m1 has no NaN ..."
///   c.summary();                // "2 of 1024 elements saturated to ±max of e2m1 (6)" or ""
class CodeCast {
 public:
  CodeCast(const Format& from, const Format& to, const ConvertOptions& opt, CastPolicy policy);
  int in_bytes() const { return in_bytes_; }
  int out_bytes() const { return out_bytes_; }
  /// Converts n codes (in_bytes() each) into out (out_bytes() each); `first` is the index of in[0] in the whole
  /// stream, for messages. Throws InputError naming the first element that cannot be converted.
  void convert(const unsigned char* in, unsigned char* out, std::size_t n, std::uint64_t first);
  const CastCounts& counts() const { return counts_; }
  /// One sentence on the saturations, overflows, mapped NaNs and truncations, or "" when there were none.
  std::string summary() const;

 private:
  void engine_element(const unsigned char* in, unsigned char* out, std::uint64_t index);
  u128 checked_code(const unsigned char* in, std::uint64_t index);
  /// Throws for an invalid conversion the policy does not map (NaN under --nan-to error, a negative unsigned).
  void refuse_invalid(const Encoded& e, std::uint64_t index, bool input_nan, bool input_negative) const;

  Format from_, to_;
  ConvertOptions opt_;
  CastPolicy policy_;
  int in_bytes_, out_bytes_, low_bits_;
  bool exact_double_;
  const std::vector<double>* table_ = nullptr;
  fast::EncodeFn fast_encode_ = nullptr;
  fast::DecodeFn fast_decode_ = nullptr;
  double max_double_;  // the largest finite magnitude of `to` as a double (inf when beyond binary64)
  // After the fast encoder, which elements need the engine's status (code_cast.cpp's Screen): beyond_bits_ are
  // the fp32 magnitude bits above which |x| > max_double_; the flags are 1 when `to` has no NaN code / no sign.
  std::uint32_t beyond_bits_, nan_matters_, sign_matters_;
  u128 zero_code_, max_code_;
  CastCounts counts_;
};

}  // namespace numscope
