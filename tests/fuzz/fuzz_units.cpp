// libFuzzer target: the one parser of sizes, counts and percentages (support/units.h).
//
// Properties: only InputError escapes, with a one-line message; an accepted value is finite, non-negative and
// within its bound; and it equals an independent reading of the same text: the digits (underscores dropped)
// through strtold, times the unit's factor from a table written out here, to 1e-15 relative (a count exactly,
// when the fuzzer's own arithmetic is exact). The first input byte picks the parser.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "numscope/support/error.h"
#include "numscope/support/units.h"
#include "tests/fuzz/fuzz_io.h"

using namespace numscope;

namespace {

/// The fuzzer's own unit table: factor of each spelling (lower case), as 10^a · 2^b.
long double factor_of(std::string unit, bool count) {
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (count) {
    if (unit.empty()) return 1;
    if (unit == "k") return 1e3L;
    if (unit == "m") return 1e6L;
    if (unit == "b" || unit == "g") return 1e9L;
    if (unit == "t") return 1e12L;
    return -1;
  }
  if (unit.empty() || unit == "b") return 1;
  const char* dec[] = {"kb", "mb", "gb", "tb", "pb"};
  const char* bin[] = {"kib", "mib", "gib", "tib", "pib"};
  for (int i = 0; i < 5; ++i) {
    if (unit == dec[i]) return std::pow(1000.0L, i + 1);
    if (unit == bin[i]) return std::ldexp(1.0L, 10 * (i + 1));
  }
  return -1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int which = data[0] % 4;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto fail = [&](const std::string& what) { fuzz::fail("fuzz_units", what + "\n  text: '" + text.substr(0, 200) + "'"); };
  double got = 0;
  try {
    if (which == 0) got = parse_byte_size(text, "--size", false);
    if (which == 1) got = parse_byte_size(text, "--size", true);
    if (which == 2) got = static_cast<double>(parse_count(text, "count", INT64_MAX / 64));
    if (which == 3) got = parse_percent(text, "--pct", 1000) * 100;
  } catch (const InputError& e) {
    const std::string m = e.what();
    if (m.empty() || m.find('\n') != std::string::npos) fail("an error that is not one line");
    return 0;
  }
  if (!std::isfinite(got) || got < 0) fail("accepted a value that is not finite and non-negative");
  if (which <= 1 && got > kMaxBytes) fail("accepted a size past 2^63 bytes");
  if (which == 3 && got > 1000 * (1 + 1e-15)) fail("accepted a percentage past 1000%");
  if (which == 2 && got < 1) fail("accepted a count below 1");
  // The independent reading: blanks trimmed, '%' dropped, the number's characters then the unit's letters.
  std::string t = text;
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.erase(0, 1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
  if (which == 3) t.pop_back();
  std::size_t i = 0;
  std::string digits;
  while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.' || t[i] == '_' || t[i] == '+' ||
                          ((t[i] == 'e' || t[i] == 'E') && i + 1 < t.size() &&
                           (std::isdigit(static_cast<unsigned char>(t[i + 1])) || t[i + 1] == '-' || t[i + 1] == '+')) ||
                          ((t[i] == '-' || t[i] == '+') && i > 0 && (t[i - 1] == 'e' || t[i - 1] == 'E')))) {
    if (t[i] != '_') digits += t[i];
    ++i;
  }
  while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i;
  const long double f = factor_of(t.substr(i), which == 2);
  if (f < 0) fail("accepted an unknown unit '" + t.substr(i) + "'");
  const long double want = std::strtold(digits.c_str(), nullptr) * f;
  if (std::fabs(static_cast<long double>(got) - want) > 1e-15L * want + 1e-300L)
    fail("the value " + std::to_string(got) + " differs from strtold's reading " + std::to_string(static_cast<double>(want)));
  return 0;
}
