// Parameter-count parsing and digit grouping for the memory estimator (see model.h).
#include "numscope/memory/model.h"

#include <algorithm>  // std::all_of, std::remove
#include <cctype>     // std::tolower, std::isdigit
#include <limits>     // std::numeric_limits
#include <sstream>    // std::ostringstream

#include "numscope/formats/number.h"
#include "numscope/support/error.h"

namespace numscope::memory {

std::int64_t parse_param_count(std::string_view text) {
  const std::string bad = "bad parameter count '" + std::string(text) +
                          "'; accepted: an integer or a number with K, M, B or T (7B, 1.5B, 350M)";
  if (text.empty()) throw InputError(bad);
  std::string digits(text);
  for (char& c : digits) if (c == '_' || c == ',') c = '\0';
  digits.erase(std::remove(digits.begin(), digits.end(), '\0'), digits.end());
  if (digits.empty()) throw InputError(bad);  // "_" or ",": nothing left to read
  int exp10 = 0;
  const char last = static_cast<char>(std::tolower(static_cast<unsigned char>(digits.back())));
  if (last == 'k') exp10 = 3;
  if (last == 'm') exp10 = 6;
  if (last == 'b' || last == 'g') exp10 = 9;
  if (last == 't') exp10 = 12;
  if (exp10 != 0) digits.pop_back();
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
      }))
    throw InputError(bad);
  Rational v;
  try {
    v = parse_number(digits).value();
  } catch (const InputError&) {
    throw InputError(bad);
  }
  for (int i = 0; i < exp10; ++i) v *= 10;
  if (v <= 0) throw InputError("parameter count '" + std::string(text) + "' must be positive");
  if (denominator(v) != 1)
    throw InputError("parameter count '" + std::string(text) + "' is not a whole number of parameters");
  if (v > Rational(std::numeric_limits<std::int64_t>::max() / 64))
    throw InputError("parameter count '" + std::string(text) + "' is too large (at most 10^17)");
  return static_cast<std::int64_t>(numerator(v));
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
