// Shared pieces of the format commands: conversion flags and value display.
#include "numscope/tools/cli/common.h"

namespace numscope::cli {

std::vector<OptionSpec> conversion_options() {
  return {
      {"rounding", 'r', "MODE", "rne (default), rna, rtz, up, down, odd or stochastic"},
      {"saturate", 0, "", "clamp overflow to ±max in every format (OCP saturation mode)"},
      {"ftz", 0, "", "flush subnormal results to zero"},
      {"seed", 0, "N", "seed of stochastic rounding (default 1): the same seed gives the same bits"},
  };
}

ConvertOptions conversion_from(const Args& args, Rng& rng) {
  ConvertOptions opt;
  if (args.has("rounding")) opt.rounding = parse_rounding(args.get("rounding"));
  opt.saturate = args.has("saturate");
  opt.ftz = args.has("ftz");
  rng.state = static_cast<std::uint64_t>(args.get_int("seed", 1, 0, 999999999999999999LL));
  opt.rng = &rng;
  return opt;
}

std::string short_or_rounded(const Rational& r, std::size_t max_chars) {
  if (is_terminating(r)) {
    std::string s = exact_decimal(r);
    if (s.size() <= max_chars) return s;
  }
  return "≈" + rounded_decimal(r, 6);
}

std::string short_or_rounded(const Number& n, std::size_t max_chars) {
  if (n.kind != Number::Kind::kFinite || n.mag == 0) return exact_decimal(n);
  return short_or_rounded(n.value(), max_chars);
}

}  // namespace numscope::cli
