// `store`: what each format stores for a number, exactly, with the status, the error and the bits.
#pragma once

#include <optional>  // std::optional
#include <string>    // std::string
#include <vector>    // std::vector

#include "numscope/api/common.h"
#include "numscope/support/result.h"

namespace numscope::api {

struct StoreRequest {
  /// Exact inputs: 123456.789, -1.5e-3, 0x1.8p3, 1/3, inf, nan, -0 (parsed exactly, never through a double).
  std::vector<std::string> values;
  /// Format names, each entry a name or a comma-separated list; empty: the notes' set (kNotesFormats).
  std::vector<std::string> formats;
  Conversion conversion;
  /// A positive exact scale S (1/127, 0.0078125): each format holds round(x / S) and the stored value is that
  /// times S.
  std::optional<std::string> scale;
};

/// Table "store": one row per value and format with format, input, stored (exact), status (exact, rounded,
/// overflow, saturated, underflow, nan, invalid), abs_error and rel_error (exact; rel_error_exact repeats it),
/// bits (hex) and binary (grouped by field). Throws InputError for an unparsable value, format or scale.
///
/// **Example**:
///   Result r = api::store({.values = {"123456.789"}, .formats = {"bf16"}});
///   r.tables[0].rows[0][2].value == "123392"  // stored: bf16 keeps 8 significant bits
Result store(const StoreRequest& request);

}  // namespace numscope::api
