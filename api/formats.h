// `formats`: the property table of number formats, every number derived from the format rows.
#pragma once

#include <string>  // std::string
#include <vector>  // std::vector

#include "numscope/support/result.h"

namespace numscope::api {

struct FormatsRequest {
  /// Format names or aliases (fp16, half, e4m3, int8, user-defined e6m9:bias=20, int12); empty: every built-in.
  std::vector<std::string> formats;
  /// Show every digit of max, min normal, min subnormal and epsilon in text (data always has every digit), with
  /// the power-of-two form in front of long ones ("2^-1074 = 0.0000...").
  bool exact = false;
  /// Instead of the properties: every accepted spelling of the formats (all of them when `formats` is empty).
  bool aliases = false;
};

/// Tables "floats" (name, bits, bytes, exponent_bits, mantissa_bits, storage_bits, bias, emin, emax, max,
/// max_formula, min_normal, min_subnormal, epsilon, unit_roundoff, decimal_digits, digits10, max_digits10,
/// range_decades, finite_values, has_inf, has_negative_zero, nan_encoding) and "integers" (name, bits, bytes, min,
/// max); each is present when the request names such a format. An ambiguous name (fp8, fp6) stands for all its
/// candidates, with a note. With `aliases`, the one table "aliases" instead: spelling, format (the canonical name
/// it means), used_by, note (what the format is, or how libraries disagree), then the ambiguous names and the
/// user-defined forms when no format is named. Throws InputError for an unknown name.
///
/// **Example**:
///   Result r = api::formats({.formats = {"e4m3"}});
///   r.table("floats").rows[0][*r.table("floats").column("max")].value == "448"
Result formats(const FormatsRequest& request);

}  // namespace numscope::api
