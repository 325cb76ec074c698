// Pieces shared by the format commands: conversion options from flags, and how exact values are shown.
#pragma once

#include <string>  // std::string
#include <vector>  // std::vector

#include "numscope/formats/engine.h"
#include "numscope/formats/number.h"
#include "numscope/support/error.h"
#include "numscope/tools/cli/args.h"

namespace numscope::cli {

/// --rounding, --saturate, --ftz, --seed: the options of every command that converts.
std::vector<OptionSpec> conversion_options();

/// ConvertOptions from those flags; `rng` must outlive the result (used by stochastic rounding).
ConvertOptions conversion_from(const Args& args, Rng& rng);

/// An exact value for a table: every digit when short (at most `max_chars`), else "≈" and 6 significant
/// digits. JSON always takes exact_decimal.
std::string short_or_rounded(const Rational& r, std::size_t max_chars = 14);
std::string short_or_rounded(const Number& n, std::size_t max_chars = 14);

/// The note printed under tables that contain rounded forms.
inline const char* kRoundedNote = "≈ marks a value rounded to 6 significant digits for display; -o json prints every digit.";

}  // namespace numscope::cli

namespace numscope::cli {

/// The store table (also used by the tour): one row per format and value.
struct StoreTable {
  Table table;
  bool any_int_unscaled = false;
  bool any_rounded_display = false;
};
StoreTable make_store_table(const std::vector<std::string>& values, const std::vector<Format>& formats,
                            const ConvertOptions& opt, const Rational* scale);

/// The default formats of `store`: the set the notes compare.
inline const char* kNotesFormats = "fp32,tf32,fp16,bf16,e5m2,e4m3,int8,int4";

}  // namespace numscope::cli

namespace numscope::cli {
/// The explain view as a two-column table (also used by the tour).
Table make_explain_table(const Format& f, const std::string& text, const ConvertOptions& opt);
}  // namespace numscope::cli
