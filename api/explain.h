// `explain`: the bit-level view of how one format stores one number.
#pragma once

#include <string>  // std::string

#include "numscope/api/common.h"
#include "numscope/support/result.h"

namespace numscope::api {

struct ExplainRequest {
  std::string format;  // a format name or alias
  std::string value;   // an exact input, as store takes it ("0b..." is taken as a code, as `bits`)
  Conversion conversion;
  std::string bits = {};  // or a code to decode: 0x3dcccccd, 0b0011..., bare hex (api/common.h parse_code)
};

/// Table "explain": one record (text shows it as field/value lines) with input, input_exact, stored, status,
/// bits, binary, then for integers encoding, min, max; for floats sign, exponent_field, exponent,
/// mantissa_field, class, formula; then shortest_decimal, hex_float, next_below(_bits), next_above(_bits),
/// gap_below, gap_above, abs_error, rel_error, why — each present where it applies (an invalid input stops after
/// status; NaN has no neighbours). With `bits`, the code is decoded as it is: input (the code as given), stored
/// (its value), then bits onwards, without status or errors. Long exact values show their power of two in front
/// ("2^-1074 = 0.000..."); unsigned formats have no sign term in the formula.
///
/// **Example**:
///   Result r = api::explain({.format = "bf16", .value = "123456.789"});
///   r.tables[0].rows[0][*r.tables[0].column("stored")].value == "123392"
Result explain(const ExplainRequest& request);

}  // namespace numscope::api
