// The unit tables and the exact parser of units.h: digits into a 128-bit mantissa, every product checked.
#include "numscope/support/units.h"

#include <cctype>  // std::isdigit, std::isalpha, std::tolower
#include <cmath>   // std::frexp

#include "numscope/support/ascii.h"
#include "numscope/support/error.h"

namespace numscope {
namespace {

using u128 = unsigned __int128;

// Decimal units are powers of 1000 (SI, IEC 80000-13); binary ones powers of 1024 (IEC 60027-2).
constexpr UnitRow kByteUnits[] = {{"B", 0, 0},   {"KB", 3, 0},   {"MB", 6, 0},   {"GB", 9, 0},   {"TB", 12, 0},
                                  {"PB", 15, 0}, {"KiB", 0, 10}, {"MiB", 0, 20}, {"GiB", 0, 30}, {"TiB", 0, 40},
                                  {"PiB", 0, 50}};
// Counts of parameters and tokens as the model cards write them (7B, 350M); G is B's SI spelling.
constexpr UnitRow kCountSuffixes[] = {{"K", 3, 0}, {"M", 6, 0}, {"B", 9, 0}, {"G", 9, 0}, {"T", 12, 0}};

constexpr u128 kMaxMantissa = (~u128{0}) / 10 - 10;  // room for one more digit
constexpr u128 kIntegerLimit = u128{1} << 120;        // no user value needs more

bool equal_fold(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string quoted(std::string_view what, std::string_view text) {
  return std::string(what) + " '" + std::string(text) + "'";
}

[[noreturn]] void too_large(std::string_view what, std::string_view text, const std::string& bound) {
  throw InputError(quoted(what, text) + " is too large: at most " + bound);
}

std::string with_commas(std::int64_t v) {
  std::string d = std::to_string(v), s;
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i > 0 && (d.size() - i) % 3 == 0) s += ',';
    s += d[i];
  }
  return s;
}

}  // namespace

std::span<const UnitRow> byte_units() { return kByteUnits; }
std::span<const UnitRow> count_suffixes() { return kCountSuffixes; }

const UnitRow* find_byte_unit(std::string_view name) {
  for (const UnitRow& u : kByteUnits)
    if (equal_fold(u.name, name)) return &u;
  return nullptr;
}

std::string byte_unit_names() { return "B, KB, MB, GB, TB, PB (powers of 1000) or KiB, MiB, GiB, TiB, PiB (powers of 1024)"; }

double ExactValue::to_double() const {
  return static_cast<double>(static_cast<long double>(num) / static_cast<long double>(den));
}

namespace {

/// inf, nan, negatives and commas: refused with the reason before any digit is read.
void refuse_non_numbers(const std::string& s, std::string_view what) {
  if (s.empty()) throw InputError(std::string(what) + " needs a number");
  if (s.find(',') != std::string::npos)
    throw InputError(quoted(what, s) + ": a comma inside a number; commas separate list items (write 1.5 for a "
                                       "fraction and 1_500_000 to group digits)");
  const std::string low = ascii_lower(s);
  for (const char* word : {"inf", "+inf", "-inf", "nan", "+nan", "-nan"})
    if (low.rfind(word, 0) == 0) throw InputError(std::string(what) + " must be a finite number, got '" + s + "'");
  if (s[0] == '-') throw InputError(std::string(what) + " must not be negative, got '" + s + "'");
}

/// A decimal read from the front of s: mantissa · 10^exp10, and the index after it.
struct Decimal {
  u128 mantissa = 0;
  int exp10 = 0;
  std::size_t end = 0;
};

bool digit_at(const std::string& s, std::size_t i) {
  return i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]));
}

/// Digits with `_` between two digits (1_500_000), an optional fraction, an optional exponent e±N.
Decimal read_decimal(const std::string& s, std::string_view what, const std::string& bound) {
  Decimal d;
  std::size_t i = s[0] == '+' ? 1 : 0;
  bool digits = false;
  auto digit_run = [&](bool fraction) {
    for (; i < s.size(); ++i) {
      if (digit_at(s, i)) {
        if (d.mantissa > kMaxMantissa) throw InputError(quoted(what, s) + " has too many digits (at most 38)");
        d.mantissa = d.mantissa * 10 + static_cast<unsigned>(s[i] - '0');
        if (fraction) --d.exp10;
        digits = true;
      } else if (!(s[i] == '_' && i > 0 && digit_at(s, i - 1) && digit_at(s, i + 1))) {
        break;
      }
    }
  };
  digit_run(false);
  if (i < s.size() && s[i] == '.') {
    ++i;
    digit_run(true);
  }
  if (!digits) throw InputError(std::string(what) + " takes a number, got '" + s + "'");
  const bool signed_exp = i + 1 < s.size() && (s[i + 1] == '+' || s[i + 1] == '-');
  if (i + 1 < s.size() && (s[i] == 'e' || s[i] == 'E') && (digit_at(s, i + 1) || (signed_exp && digit_at(s, i + 2)))) {
    ++i;
    const bool neg = s[i] == '-';
    if (signed_exp) ++i;
    long e = 0;
    for (; digit_at(s, i); ++i)
      if (e < 100000) e = e * 10 + (s[i] - '0');
    if (e > 1000) {
      if (!neg && d.mantissa != 0) too_large(what, s, bound);
      d.mantissa = 0;  // 1e-5000: zero for every purpose here
      e = 0;
    }
    d.exp10 += static_cast<int>(neg ? -e : e);
  }
  d.end = i;
  return d;
}

}  // namespace

ExactValue parse_exact(std::string_view text, std::string_view what, std::span<const UnitRow> units,
                       std::string_view* rest, std::string_view bound_text) {
  const std::string bound(bound_text);
  const std::string s = trim(text);
  refuse_non_numbers(s, what);
  const Decimal d = read_decimal(s, what, bound);
  // The unit: letters after optional blanks, compared in any case.
  std::size_t j = d.end;
  while (j < s.size() && (s[j] == ' ' || s[j] == '\t')) ++j;
  std::size_t k = j;
  while (k < s.size() && std::isalpha(static_cast<unsigned char>(s[k]))) ++k;
  const UnitRow* unit = nullptr;
  for (const UnitRow& u : units)
    if (k > j && equal_fold(u.name, std::string_view(s).substr(j, k - j))) unit = &u;
  const std::size_t end = unit ? k : d.end;
  if (rest) {
    std::string_view r = text.substr(text.find_first_not_of(" \t") + end);
    while (!r.empty() && (r.back() == ' ' || r.back() == '\t')) r.remove_suffix(1);
    *rest = r;
  }
  // mantissa · 10^(exp10 + unit's power of ten) · 2^(unit's power of two), as num/den, every step checked.
  ExactValue v;
  if (d.mantissa == 0) return v;
  int p10 = d.exp10 + (unit ? unit->pow10 : 0);
  v.num = d.mantissa;
  for (; p10 > 0; --p10) {
    if (v.num > (~u128{0}) / 10) too_large(what, s, bound);
    v.num *= 10;
  }
  for (; p10 < 0; ++p10) {
    if (v.den > (~u128{0}) / 10) throw InputError(quoted(what, s) + " has too many digits after the point");
    v.den *= 10;
  }
  for (int p2 = unit ? unit->pow2 : 0; p2 > 0; --p2) {
    if (v.num >> 127) too_large(what, s, bound);
    v.num <<= 1;
  }
  if (v.num / v.den > kIntegerLimit) too_large(what, s, bound);
  return v;
}

double parse_byte_size(std::string_view text, std::string_view what, bool unit_optional, double max_bytes) {
  const std::string accepted = "a size with its unit (24GiB, 2 GB, 512MiB; " + byte_unit_names() + ")";
  int e = 0;
  const std::string bound = std::frexp(max_bytes, &e) == 0.5 ? "2^" + std::to_string(e - 1) + " bytes"
                                                             : std::to_string(static_cast<long long>(max_bytes)) + " bytes";
  std::string_view rest;
  const ExactValue v = parse_exact(text, what, byte_units(), &rest, bound);
  const std::string s = trim(text);
  if (!rest.empty() && std::isalpha(static_cast<unsigned char>(rest.front())))
    throw InputError(quoted(what, s) + ": unknown unit '" + trim(rest) + "'; give " + accepted);
  if (!rest.empty()) throw InputError(std::string(what) + " takes " + accepted + ", got '" + s + "'");
  // parse_exact consumed a unit when the text does not end in a digit or the point.
  const bool has_unit = !s.empty() && std::isalpha(static_cast<unsigned char>(s.back()));
  if (!has_unit && !unit_optional) throw InputError(quoted(what, s) + " has no unit; give " + accepted);
  const double bytes = v.to_double();
  if (bytes > max_bytes) too_large(what, s, bound);
  return bytes;
}

std::int64_t parse_count(std::string_view text, std::string_view what, std::int64_t max) {
  std::string_view rest;
  const ExactValue v = parse_exact(text, what, count_suffixes(), &rest, with_commas(max));
  const std::string s = trim(text);
  if (!rest.empty())
    throw InputError(std::string(what) + " takes a whole number, optionally with K, M, B or T (7B, 1.5B, 350M, "
                                         "1_500M), got '" + s + "'");
  if (!v.is_integer()) throw InputError(quoted(what, s) + " is not a whole number");
  if (v.num == 0)
    throw InputError(std::string(what) + " must be positive, got '" + s + "' (in a list, commas separate items: "
                     "group digits with _, as in 1_500_000)");
  const u128 n = v.num / v.den;
  if (n > static_cast<u128>(max)) too_large(what, s, with_commas(max));
  return static_cast<std::int64_t>(n);
}

double parse_percent(std::string_view text, std::string_view what, double max_percent) {
  const std::string s = trim(text);
  if (s.empty() || s.back() != '%') throw InputError(std::string(what) + " takes a percentage (20%), got '" + s + "'");
  if (s[0] == '-') throw InputError(std::string(what) + " must not be negative, got '" + s + "'");
  std::string_view rest;
  const ExactValue v = parse_exact(std::string_view(s).substr(0, s.size() - 1), what, {}, &rest);
  if (!rest.empty()) throw InputError(std::string(what) + " takes a percentage (20%), got '" + s + "'");
  const double p = v.to_double();
  if (p > max_percent)
    throw InputError(std::string(what) + " percentage must be between 0% and " + std::to_string(static_cast<long>(max_percent)) +
                     "%, got " + s);
  return p / 100.0;
}

std::int64_t checked_product(std::int64_t a, std::int64_t b, std::string_view what, std::int64_t max) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r) || r > max)
    throw InputError(std::string(what) + " is too large: " + std::to_string(a) + " × " + std::to_string(b) +
                     " exceeds " + with_commas(max));
  return r;
}

}  // namespace numscope
