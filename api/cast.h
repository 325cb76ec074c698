// `cast`: the request of the byte filter (formats and rounding), resolved and checked once for every front end.
#pragma once

#include <optional>  // std::optional
#include <string>    // std::string

#include "numscope/api/common.h"
#include "numscope/formats/format.h"
#include "numscope/io/code_cast.h"

namespace numscope::api {

struct CastRequest {
  std::string from;                // format of the input codes
  std::string to;                  // format of the output codes
  Conversion conversion;           // rounding, saturate, ftz, seed
  std::optional<std::string> out;  // the CLI's --out FILE (written whole or not at all); nullopt: stdout
  std::string nan_to = "error";    // NaN into a format without NaN: error, zero or max (io/code_cast.h)
  bool tf32_truncate = false;      // drop set bits below tf32's field instead of refusing them
};

/// A cast request resolved: the two rows and the element sizes of the little-endian stream.
struct CastPlan {
  Format from, to;
  int in_bytes = 0, out_bytes = 0;  // container_bytes of each row: 1, 2, 4, 8 or 16
  CastPolicy policy;                 // what to do with codes the target cannot hold (io/code_cast.h CodeCast)
};

/// Resolves and checks a cast request: both formats given and known, the rounding known. Throws InputError with
/// the CLI's messages. The conversion itself runs on the caller's bytes (tools/cli/cmd_cast.cpp streams them).
///
/// **Example**:
///   CastRequest c;
///   c.from = "fp32";
///   c.to = "bf16";
///   const CastPlan p = api::plan_cast(c);  // p.in_bytes == 4, p.out_bytes == 2
CastPlan plan_cast(const CastRequest& request);

}  // namespace numscope::api
