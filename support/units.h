// Sizes, counts and percentages typed by people: one table of byte units and count suffixes, one parser, exact
// arithmetic (128-bit integers) and a clear "too large" error instead of a wrapped or infinite number.
//
// Accepted spellings, the same everywhere (memory options, the GPU catalog's sizes, the claim language):
//   sizes        2GB, 2 GB, 2gb, 2GiB, 1.5GiB, 512MiB, 1e9B, 1_500MB   (B; KB MB GB TB PB = 10^3k bytes;
//                                                                      KiB MiB GiB TiB PiB = 2^10k bytes)
//   counts       7B, 1.5B, 350M, 1_500M, 7000000000, 1e9              (K, M, B or G, T = 10^3k)
//   percentages  20%, 2.5%
// Refused with one line: a comma inside a number (commas separate list items: "1,5B" is two items), inf and
// nan where a finite number is meant, negative numbers, a fractional count, and values past the caller's bound.
#pragma once

#include <cstdint>      // std::int64_t
#include <span>         // std::span
#include <string>       // std::string
#include <string_view>  // std::string_view

namespace numscope {

/// A unit or suffix: its spelling (matched without regard to case) and its factor 10^pow10 · 2^pow2.
struct UnitRow {
  std::string_view name;
  int pow10 = 0;
  int pow2 = 0;
};
/// B, KB, MB, GB, TB, PB, KiB, MiB, GiB, TiB, PiB.
std::span<const UnitRow> byte_units();
/// K, M, B, G, T (a count of parameters, tokens, ...).
std::span<const UnitRow> count_suffixes();
/// The byte unit spelled `name` in any case ("gib", "GB"), or nullptr.
const UnitRow* find_byte_unit(std::string_view name);
/// "B, KB, MB, GB, TB, PB (powers of 1000) or KiB, MiB, GiB, TiB, PiB (powers of 1024)".
std::string byte_unit_names();

/// An exact non-negative value num / den (den a power of ten times nothing else), from the parser below.
struct ExactValue {
  unsigned __int128 num = 0;
  unsigned __int128 den = 1;
  double to_double() const;
  bool is_integer() const { return num % den == 0; }
};

/// The largest size any option takes: 2^63 bytes (8 EiB), beyond every machine and every double's exact range.
inline constexpr double kMaxBytes = 9223372036854775808.0;

/// A size: NUMBER [blanks] UNIT, or NUMBER alone when `unit_optional` (bytes). `what` names the option in
/// messages ("--overhead"). Throws InputError for anything else, and "too large" past `max_bytes`.
double parse_byte_size(std::string_view text, std::string_view what, bool unit_optional = false,
                       double max_bytes = kMaxBytes);
/// A count: NUMBER [K|M|B|G|T], a whole number from 1 to `max`. Throws InputError otherwise.
std::int64_t parse_count(std::string_view text, std::string_view what, std::int64_t max);
/// A percentage "P%" with 0 <= P <= max_percent, as a fraction (20% -> 0.2). Throws InputError otherwise.
double parse_percent(std::string_view text, std::string_view what, double max_percent);

/// The exact value of NUMBER · UNIT for a unit row (nullptr: no unit), refusing what the parsers refuse (inf,
/// nan, commas, negatives) and values whose integer part exceeds 2^120. For the claim language, which keeps
/// its own exact numbers. `rest` receives what follows the number and its unit.
ExactValue parse_exact(std::string_view text, std::string_view what, std::span<const UnitRow> units,
                       std::string_view* rest = nullptr, std::string_view bound = "2^120");

/// a · b, or InputError "WHAT is too large ..." when the product leaves 64 bits (or exceeds `max`).
std::int64_t checked_product(std::int64_t a, std::int64_t b, std::string_view what,
                             std::int64_t max = INT64_MAX);

}  // namespace numscope
