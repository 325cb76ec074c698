// `cast`: the byte filter's request checked and resolved into format rows.
#include "numscope/api/cast.h"

#include "numscope/formats/registry.h"
#include "numscope/support/error.h"

namespace numscope::api {

CastPlan plan_cast(const CastRequest& request) {
  if (request.from.empty() || request.to.empty())
    throw InputError(
        "cast needs --from FORMAT and --to FORMAT (e.g. numscope cast --from fp32 --to bf16 < in > out)");
  const Format from = find_format(request.from), to = find_format(request.to);
  parse_rounding(request.conversion.rounding);  // refused here, before any byte is read
  CastPolicy policy;
  policy.nan_to = parse_nan_to(request.nan_to);  // refused here too, before any byte is read
  policy.truncate_low_bits = request.tf32_truncate;
  return CastPlan{from, to, container_bytes(from), container_bytes(to), policy};
}

}  // namespace numscope::api
