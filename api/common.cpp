// Shared pieces of the api functions: conversion options and exact-value cells.
#include "numscope/api/common.h"

#include "numscope/formats/registry.h"

namespace numscope::api {

ConvertOptions convert_options(const Conversion& c, Rng& rng) {
  ConvertOptions opt;
  opt.rounding = parse_rounding(c.rounding);
  opt.saturate = c.saturate;
  opt.ftz = c.ftz;
  rng.state = c.seed;
  opt.rng = &rng;
  return opt;
}

void echo(Result& r, const Conversion& c) {
  r.echo_text("rounding", std::string(rounding_name(parse_rounding(c.rounding))));
  r.echo_flag("saturate", c.saturate);
  r.echo_flag("ftz", c.ftz);
  if (parse_rounding(c.rounding) == Rounding::kStochastic)
    r.echo("seed", Cell::integer_digits(std::to_string(c.seed)));
}

std::optional<double> nearest_double(const Number& n) {
  if (n.kind != Number::Kind::kFinite) return std::nullopt;
  static const Format& kBinary64 = kFp64;
  const Encoded e = encode(kBinary64, n);  // one rounding from the exact value (rne)
  const double d = decode_double(kBinary64, e.code);
  if (d - d != 0) return std::nullopt;  // beyond binary64's range: no double stands for it
  return d;
}

Cell exact_cell(const Number& n, std::optional<std::string> display) {
  return Cell::exact(exact_decimal(n), nearest_double(n), std::move(display));
}

Cell exact_cell(const Rational& r, std::optional<std::string> display) {
  return exact_cell(Number::from_rational(r), std::move(display));
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

}  // namespace numscope::api
