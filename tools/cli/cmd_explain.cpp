// `numscope explain FORMAT VALUE`: the bit-level view of how a format stores one number.
#include "numscope/formats/properties.h"
#include "numscope/formats/registry.h"
#include "numscope/formats/text.h"
#include "numscope/tools/cli/command.h"
#include "numscope/tools/cli/common.h"

namespace numscope::cli {

namespace {

std::string field_bits(u128 v, int n) {
  std::string s;
  for (int i = n - 1; i >= 0; --i) s.push_back(((v >> i) & 1) ? '1' : '0');
  return s;
}

std::string value_of(const Format& f, std::optional<u128> code) {
  if (!code) return "none";
  return exact_decimal(decode(f, *code).number()) + " (" + bits_hex(f, *code) + ")";
}

}  // namespace

Table make_explain_table(const Format& f, const std::string& text, const ConvertOptions& opt) {
  const Number x = parse_number(text);
  const Encoded e = encode(f, x, opt);
  const Decoded d = decode(f, e.code);
  const Number stored = d.number();
  const std::string_view status = outcome(f, x, e);
  Table t;
  t.title = std::string(f.name) + " stores " + text;
  t.columns = {{"field", "field"}, {"value", "value"}};
  auto row = [&](std::string k, std::string v) { t.add({str(std::move(k)), str(std::move(v))}); };
  const std::string exact_in = x.kind == Number::Kind::kFinite && !is_terminating(x.mag) ? text : exact_decimal(x);
  row("input", exact_in == text ? text : text + " = " + exact_in);
  if (status == "invalid") {
    row("stored", "nothing: " + std::string(f.name) + " has no code for this input");
    row("status", "invalid");
    return t;
  }
  row("stored", exact_decimal(stored));
  row("status", std::string(status));
  row("bits", bits_hex(f, e.code) + " = " + bits_binary(f, e.code));
  if (f.kind == Kind::kInt) {
    row("encoding", f.is_signed ? "two's complement, " + std::to_string(f.int_bits) + " bits"
                                : "unsigned, " + std::to_string(f.int_bits) + " bits");
    row("range", to_string(int_min(f)) + " .. " + to_string(int_max(f)));
  } else {
    const int m = f.mantissa_bits;
    const u128 mag = e.code & mask_bits(f.exponent_bits + m);
    const long field = static_cast<long>(mag >> m);
    const u128 mant = mag & mask_bits(m);
    if (f.has_sign) row("sign", d.neg ? "1 (negative)" : "0 (positive)");
    const bool sub = f.has_subnormals && field == 0;
    row("exponent", field_bits(field, f.exponent_bits) + " = " + std::to_string(field) + " (biased); " +
                        (sub ? "subnormal: exponent is emin = 1 - " + std::to_string(f.bias) + " = " + std::to_string(emin(f))
                             : "unbiased " + std::to_string(field) + " - " + std::to_string(f.bias) + " = " +
                                   std::to_string(field - f.bias)));
    if (m > 0) row("mantissa", field_bits(mant, m) + " = " + to_string(mant) + " (of 2^" + std::to_string(m) + ")");
    row("class", std::string(class_name(d.cls)));
    if (d.cls == ValueClass::kNormal || d.cls == ValueClass::kSubnormal) {
      const std::string s = d.neg ? "(-1)^1" : "(-1)^0";
      const std::string lead = sub ? "0" : "1";
      const std::string frac = m > 0 ? " + " + to_string(mant) + "/" + to_string(u128{1} << std::min(m, 127)) : "";
      const long ex = sub ? emin(f) : field - f.bias;
      const Rational sig = dyadic(BigInt(to_string(d.sig)), -m);
      row("formula", s + " × (" + lead + frac + ") × 2^" + std::to_string(ex) + " = " + (d.neg ? "-" : "") +
                         exact_decimal(sig) + " × 2^" + std::to_string(ex) + " = " + exact_decimal(stored));
    }
  }
  if (d.cls != ValueClass::kNan) {
    row("shortest decimal", shortest_decimal(f, e.code) + " (the shortest input that gives the same bits)");
    if (f.kind == Kind::kFloat) row("hex float", hex_float(f, e.code));
    const auto below = next_down(f, e.code), above = next_up(f, e.code);
    row("next below", value_of(f, below));
    row("next above", value_of(f, above));
    auto gap = [&](std::optional<u128> c) -> std::string {
      if (!c) return "none";
      const Number n = decode(f, *c).number();
      if (n.kind != Number::Kind::kFinite || stored.kind != Number::Kind::kFinite) return "inf";
      const Rational g = n.value() - stored.value();
      return exact_decimal(g < 0 ? Rational(-g) : g);
    };
    row("gap below / above", gap(below) + " / " + gap(above));
  }
  if (x.kind == Number::Kind::kFinite && stored.kind == Number::Kind::kFinite) {
    const Rational diff = stored.value() - x.value();
    const Rational ad = diff < 0 ? Rational(-diff) : diff;
    row("abs error", exact_decimal(ad));
    if (x.mag != 0) row("rel error", ad == 0 ? "0" : "≈" + rounded_decimal(ad / x.mag, 6) + " (rounded)");
  }
  if (status == "overflow" || status == "saturated")
    row("why", text + " is beyond max " + exact_decimal(properties(f).max) + " of " + std::string(f.name));
  return t;
}

namespace {

int run(const Args& args, Context&, Report& report) {
  Rng rng;
  const ConvertOptions opt = conversion_from(args, rng);
  const Format f = find_format(args.positional[0]);
  report.tables.push_back(make_explain_table(f, args.positional[1], opt));
  if (args.output == OutputFormat::kJson) {
    nlohmann::json obj = nlohmann::json::object();
    obj["format"] = std::string(f.name);
    for (const auto& r : report.tables[0].rows) obj[r[0].text] = r[1].text;
    report.json = std::move(obj);
  }
  return 0;
}

}  // namespace

const Command& explain_command() {
  static const Command kCommand{
      {"explain",
       "the bit-level view of one number in one format: fields, formula, neighbours",
       "numscope explain FORMAT VALUE [--rounding MODE] [--saturate] [--ftz]",
       "Shows sign, exponent and mantissa fields, (-1)^s × 1.m × 2^(e-bias) with the exact numbers, the\n"
       "neighbouring values below and above and the gaps to them, and the error against the exact input.",
       conversion_options(),
       2,
       2},
      run};
  return kCommand;
}

}  // namespace numscope::cli
