// Pieces the api functions share: the conversion options of every command that rounds, and exact-value cells.
#pragma once

#include <cstdint>   // std::uint64_t
#include <optional>  // std::optional
#include <string>    // std::string

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

/// The note under tables that show rounded forms.
inline constexpr const char* kRoundedNote =
    "≈ marks a value rounded to 6 significant digits for display; -o json prints every digit.";

/// The formats the notes compare: the default of `store`.
inline constexpr const char* kNotesFormats = "fp32,tf32,fp16,bf16,e5m2,e4m3,int8,int4";

}  // namespace numscope::api
