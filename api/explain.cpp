// `explain`: fields, formula, neighbours and error of one number in one format, as one typed record.
#include "numscope/api/explain.h"

#include "numscope/formats/properties.h"
#include "numscope/formats/registry.h"
#include "numscope/formats/text.h"
#include "numscope/support/error.h"

namespace numscope::api {
namespace {

using T = ColumnType;

std::string field_bits(u128 v, int n) {
  std::string s;
  for (int i = n - 1; i >= 0; --i) s.push_back(((v >> i) & 1) ? '1' : '0');
  return s;
}

/// A one-row table built field by field: each call adds a column and its cell.
struct Record {
  Table t;
  std::vector<Cell> row;
  void add(std::string key, std::string label, ColumnType type, Cell c, Shown shown = Shown::kEverywhere) {
    t.columns.push_back({std::move(key), std::move(label), type, Align::kLeft, shown});
    row.push_back(std::move(c));
  }
  void data(std::string key, ColumnType type, Cell c) { add(key, key, type, std::move(c), Shown::kDataOnly); }
};

/// The neighbour `code` as an exact value shown with its bits, or "none" past the ends of the format.
void neighbour(Record& rec, const Format& f, std::optional<u128> code, const std::string& side) {
  if (!code) {
    rec.add("next_" + side, "next " + side, T::kExact, Cell::null("none"));
    rec.data("next_" + side + "_bits", T::kText, Cell::null());
    return;
  }
  const Number n = decode(f, *code).number();
  rec.add("next_" + side, "next " + side, T::kExact, exact_cell(n, exact_decimal(n) + " (" + bits_hex(f, *code) + ")"));
  rec.data("next_" + side + "_bits", T::kText, Cell::text(bits_hex(f, *code)));
}

/// |neighbour - stored|: "inf" when either is not finite, null past the ends of the format.
Cell gap(const Format& f, std::optional<u128> code, const Number& stored) {
  if (!code) return Cell::null("none");
  const Number n = decode(f, *code).number();
  if (n.kind != Number::Kind::kFinite || stored.kind != Number::Kind::kFinite)
    return exact_cell(Number{Number::Kind::kInf, false, 0});
  const Rational g = n.value() - stored.value();
  return exact_cell(g < 0 ? Rational(-g) : g);
}

void float_fields(Record& rec, const Format& f, u128 code, const Decoded& d, const Number& stored) {
  const int m = f.mantissa_bits;
  const u128 mag = code & mask_bits(f.exponent_bits + m);
  const long field = static_cast<long>(mag >> m);
  const u128 mant = mag & mask_bits(m);
  if (f.has_sign) rec.add("sign", "sign", T::kInteger, Cell::integer(d.neg, d.neg ? "1 (negative)" : "0 (positive)"));
  const bool sub = f.has_subnormals && field == 0;
  const long ex = sub ? emin(f) : field - f.bias;
  rec.add("exponent_field", "exponent", T::kInteger,
          Cell::integer(field, field_bits(field, f.exponent_bits) + " = " + std::to_string(field) + " (biased); " +
                                   (sub ? "subnormal: exponent is emin = 1 - " + std::to_string(f.bias) + " = " +
                                              std::to_string(emin(f))
                                        : "unbiased " + std::to_string(field) + " - " + std::to_string(f.bias) +
                                              " = " + std::to_string(field - f.bias))));
  rec.data("exponent", T::kInteger, Cell::integer(ex));
  if (m > 0)
    rec.add("mantissa_field", "mantissa", T::kInteger,
            Cell::integer_digits(to_string(mant),
                                 field_bits(mant, m) + " = " + to_string(mant) + " (of 2^" + std::to_string(m) + ")"));
  rec.add("class", "class", T::kText, Cell::text(std::string(class_name(d.cls))));
  if (d.cls == ValueClass::kNormal || d.cls == ValueClass::kSubnormal) {
    // (-1)^s × (1 + M/2^m) × 2^e; an unsigned format has no sign term, a format without mantissa bits (E8M0) no
    // significand: its codes are plain powers of two.
    const std::string sign = f.has_sign ? std::string(d.neg ? "(-1)^1" : "(-1)^0") + " × " : "";
    const std::string lead = sub ? "0" : "1";
    const std::string frac = m > 0 ? " + " + to_string(mant) + "/" + to_string(u128{1} << std::min(m, 127)) : "";
    const Rational sig = dyadic(BigInt(to_string(d.sig)), -m);
    const std::string power = "2^" + std::to_string(ex);
    const std::string formula =
        m > 0 || sub ? sign + "(" + lead + frac + ") × " + power + " = " + (d.neg ? "-" : "") + exact_decimal(sig) +
                           " × " + power + " = " + exact_decimal(stored)
                     : sign + power + " = " + exact_decimal(stored);
    rec.add("formula", "formula", T::kText, Cell::text(formula));
  }
}

/// The fields every code shows, decoded or stored: bits, then the integer encoding or the float fields, then the
/// shortest decimal, hex float, neighbours and gaps (none for NaN).
void code_fields(Record& rec, const Format& f, u128 code, const Decoded& d, const Number& value) {
  rec.add("bits", "bits", T::kText, Cell::text(bits_hex(f, code), bits_hex(f, code) + " = " + bits_binary(f, code)));
  rec.data("binary", T::kText, Cell::text(bits_binary(f, code)));
  if (f.kind == Kind::kInt) {
    rec.add("encoding", "encoding", T::kText,
            Cell::text((f.is_signed ? "two's complement, " : "unsigned, ") + std::to_string(f.int_bits) + " bits"));
    rec.add("range", "range", T::kText, Cell::text(to_string(int_min(f)) + " .. " + to_string(int_max(f))),
            Shown::kDisplayOnly);
    rec.data("min", T::kInteger, Cell::integer_digits(to_string(int_min(f))));
    rec.data("max", T::kInteger, Cell::integer_digits(to_string(int_max(f))));
  } else {
    float_fields(rec, f, code, d, value);
  }
  if (d.cls == ValueClass::kNan) return;
  const std::string shortest = shortest_decimal(f, code);
  rec.add("shortest_decimal", "shortest decimal", T::kExact,
          exact_cell(parse_number(shortest), shortest + " (the shortest input that gives the same bits)"));
  if (f.kind == Kind::kFloat) rec.add("hex_float", "hex float", T::kText, Cell::text(hex_float(f, code)));
  const auto below = next_down(f, code), above = next_up(f, code);
  neighbour(rec, f, below, "below");
  neighbour(rec, f, above, "above");
  const Cell gb = gap(f, below, value), ga = gap(f, above, value);
  rec.add("gap", "gap below / above", T::kText, Cell::text(gb.shown() + " / " + ga.shown()), Shown::kDisplayOnly);
  rec.data("gap_below", T::kExact, gb);
  rec.data("gap_above", T::kExact, ga);
}

/// --bits: what a code means, with no input value and so no status or error.
Result explain_code(const ExplainRequest& request, const Format& f) {
  Result res;
  res.command = "explain";
  const u128 code = parse_code(f, request.bits);
  res.echo_text("format", std::string(f.name));
  res.echo_text("bits", request.bits);
  const Decoded d = decode(f, code);
  const Number value = d.number();
  Record rec;
  rec.t.name = "explain";
  rec.t.title = std::string(f.name) + " code " + bits_hex(f, code);
  rec.t.transposed = true;
  rec.add("input", "input", T::kText, Cell::text(request.bits, "code " + request.bits));
  rec.add("stored", "value", T::kExact, exact_cell(value, exact_with_power(value)));
  code_fields(rec, f, code, d, value);
  rec.t.add(std::move(rec.row));
  res.tables.push_back(std::move(rec.t));
  return res;
}

}  // namespace

Result explain(const ExplainRequest& request) {
  const Format f = find_format(request.format);
  if (!request.bits.empty()) {
    if (!request.value.empty())
      throw InputError("explain takes VALUE or --bits CODE, not both: VALUE is rounded into the format, CODE is "
                       "decoded as it is");
    return explain_code(request, f);
  }
  // No number is written 0b...: that is a code (hex codes need --bits, since 0x3dcccccd is also a number).
  if (request.value.size() > 2 && request.value[0] == '0' && (request.value[1] == 'b' || request.value[1] == 'B')) {
    ExplainRequest as_code = request;
    as_code.bits = request.value;
    as_code.value.clear();
    return explain_code(as_code, f);
  }
  Result res;
  res.command = "explain";
  Rng rng;
  const ConvertOptions opt = convert_options(request.conversion, rng);
  const std::string& text = request.value;
  const Number x = parse_number(text);
  res.echo_text("format", std::string(f.name));
  res.echo_text("value", text);
  echo(res, request.conversion);

  const Encoded e = encode(f, x, opt);
  const Decoded d = decode(f, e.code);
  const Number stored = d.number();
  const std::string_view status = outcome(f, x, e);
  Record rec;
  rec.t.name = "explain";
  rec.t.title = std::string(f.name) + " stores " + text;
  rec.t.transposed = true;
  const std::string exact_in = x.kind == Number::Kind::kFinite && !is_terminating(x.mag) ? text : exact_decimal(x);
  rec.add("input", "input", T::kText, Cell::text(text, exact_in == text ? text : text + " = " + exact_in));
  rec.data("input_exact", T::kExact, exact_cell(x));
  if (status == "invalid") {
    rec.add("stored", "stored", T::kExact, Cell::null("nothing: " + std::string(f.name) + " has no code for this input"));
    rec.add("status", "status", T::kText, Cell::text("invalid"));
  } else {
    rec.add("stored", "stored", T::kExact, exact_cell(stored, exact_with_power(stored)));
    rec.add("status", "status", T::kText, Cell::text(std::string(status)));
    code_fields(rec, f, e.code, d, stored);
    if (x.kind == Number::Kind::kFinite && stored.kind == Number::Kind::kFinite) {
      const Rational diff = stored.value() - x.value();
      const Rational ad = diff < 0 ? Rational(-diff) : diff;
      rec.add("abs_error", "abs error", T::kExact, exact_cell(ad));
      if (x.mag != 0) {
        const Rational rel = ad / x.mag;
        rec.add("rel_error", "rel error", T::kExact,
                exact_cell(rel, ad == 0 ? "0" : "≈" + rounded_decimal(rel, 6) + " (rounded)"));
      }
    }
    if (status == "overflow" || status == "saturated")
      rec.add("why", "why", T::kText,
              Cell::text(text + " is beyond max " + exact_decimal(properties(f).max) + " of " + std::string(f.name)));
  }
  // 0x3dcccccd is a hex number here; someone who typed a code wants --bits.
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X') &&
      text.find_first_of(".pP") == std::string::npos)
    rec.t.notes.push_back(text + " was read as the number " + exact_decimal(x) + "; to decode it as a code: numscope "
                          "explain " + std::string(f.name) + " --bits " + text);
  rec.t.add(std::move(rec.row));
  res.tables.push_back(std::move(rec.t));
  return res;
}

}  // namespace numscope::api
