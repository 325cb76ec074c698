// `explain`: the bit-level view of how one format stores one number.
#pragma once

#include <string>  // std::string

#include "numscope/api/common.h"
#include "numscope/support/result.h"

namespace numscope::api {

struct ExplainRequest {
  std::string format;  // a format name or alias
  std::string value;   // an exact input, as store takes it
  Conversion conversion;
};

/// Table "explain": one record (text shows it as field/value lines) with input, input_exact, stored, status,
/// bits, binary, then for integers encoding, min, max; for floats sign, exponent_field, exponent,
/// mantissa_field, class, formula; then shortest_decimal, hex_float, next_below(_bits), next_above(_bits),
/// gap_below, gap_above, abs_error, rel_error, why — each present where it applies (an invalid input stops after
/// status; NaN has no neighbours).
///
/// **Example**:
///   Result r = api::explain({.format = "bf16", .value = "123456.789"});
///   r.tables[0].rows[0][*r.tables[0].column("stored")].value == "123392"
Result explain(const ExplainRequest& request);

}  // namespace numscope::api
