// Pieces the api functions share: the conversion options of every command that rounds, and exact-value cells.
#pragma once

#include <cstdint>   // std::uint64_t
#include <optional>  // std::optional
#include <string>    // std::string
#include <string_view>  // std::string_view

#include "numscope/formats/engine.h"
#include "numscope/formats/number.h"
#include "numscope/support/result.h"

namespace numscope::api {

/// --rounding, --saturate, --ftz, --seed: how store, explain and cast round.
struct Conversion {
  std::string rounding = "rne";  // rne, rna, rtz, up, down, odd or stochastic
  bool saturate = false;         // clamp overflow to ±max in every format (OCP saturation mode)
  bool ftz = false;              // flush subnormal results to zero
  std::uint64_t seed = 1;        // seed of stochastic rounding: the same seed gives the same bits
};

/// The engine's options for a Conversion (throws InputError for an unknown rounding); `rng` must outlive them.
ConvertOptions convert_options(const Conversion& c, Rng& rng);
/// Echoes rounding, saturate, ftz (and seed for stochastic rounding) into the request.
void echo(Result& r, const Conversion& c);

/// The binary64 nearest to an exact number (rne, by the engine), or nullopt for inf, NaN and values beyond
/// binary64's range: the `_f64` twin of an exact value.
std::optional<double> nearest_double(const Number& n);

/// An exact cell: every digit of `n` (or "p/q"), its nearest binary64, and an optional display form.
Cell exact_cell(const Number& n, std::optional<std::string> display = {});
Cell exact_cell(const Rational& r, std::optional<std::string> display = {});

/// An exact value for a table: every digit when short (at most `max_chars`), else "≈" and 6 significant digits.
std::string short_or_rounded(const Rational& r, std::size_t max_chars = 14);
std::string short_or_rounded(const Number& n, std::size_t max_chars = 14);

/// Exact decimals longer than this many characters are shown with their power-of-two form in front.
inline constexpr std::size_t kLongDecimal = 40;

/// `r` as ±m·2^e with m odd ("2^-1022", "-3 × 2^-5", "9007199254740991 × 2^971"), or "" when r is not a
/// dyadic rational (1/3) or is zero.
std::string power_of_two_form(const Rational& r);

/// Every digit of `r`, with its power-of-two form in front when the digits run past kLongDecimal characters
/// ("2^-1074 = 0.0000...4940656458412465441765687928682213723651"): the display of long exact values.
std::string exact_with_power(const Rational& r);
std::string exact_with_power(const Number& n);

/// A code of `f` typed as bits: "0x3dcccccd" (hex, as numscope prints codes: tf32 as its 32-bit container),
/// "0b0.01111011.0011..." (binary, the format's own bits, as the bits column groups them) or bare hex digits
/// ("3dcccccd"); '_', '.' and an apostrophe may separate digits. Throws InputError for other text or a code wider
/// than the format.
///
/// **Example**: parse_code(kFp32, "0x3dcccccd") == 0x3dcccccd; parse_code(kE2m1, "0b0111") == 7
u128 parse_code(const Format& f, std::string_view text);

/// The note under tables that show rounded forms.
inline constexpr const char* kRoundedNote =
    "≈ marks a value rounded to 6 significant digits for display; -o json prints every digit.";

/// The formats the notes compare: the default of `store`.
inline constexpr const char* kNotesFormats = "fp32,tf32,fp16,bf16,e5m2,e4m3,int8,int4";

}  // namespace numscope::api
