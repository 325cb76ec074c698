// Parameter-count parsing and digit grouping for the memory estimator (see model.h).
#include "numscope/memory/model.h"
#include "numscope/support/units.h"

#include <limits>   // std::numeric_limits
#include <sstream>  // std::ostringstream

#include "numscope/support/error.h"

namespace numscope::memory {

std::int64_t parse_param_count(std::string_view text) {
  // support/units.h: 7B, 1.5B, 350M, 1_500M; commas (list separators), inf, nan and fractions refused; at most
  // 2^63 / 64, so that bytes of any dtype still fit 64 bits.
  return parse_count(text, "parameter count", std::numeric_limits<std::int64_t>::max() / 64);
}

std::string formula_number(double v) {
  std::ostringstream os;
  os.precision(12);
  os << v;
  return os.str();
}

std::string group_thousands(std::int64_t v) {
  const std::string digits = std::to_string(v < 0 ? -v : v);
  std::string s = v < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) s += ',';
    s += digits[i];
  }
  return s;
}

}  // namespace numscope::memory
