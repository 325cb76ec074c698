// `store`: every value rounded once into every format by the engine, with the exact error.
#include "numscope/api/store.h"

#include "numscope/formats/registry.h"
#include "numscope/support/error.h"
#include "numscope/formats/text.h"

namespace numscope::api {
namespace {

constexpr auto R = Align::kRight;
using T = ColumnType;

Table store_table() {
  Table t;
  t.name = "store";
  t.columns = {{"format", "format"},
               {"input", "input"},
               {"stored", "stored", T::kExact, R},
               {"status", "status"},
               {"abs_error", "abs error", T::kExact, R},
               {"rel_error", "rel error", T::kExact, R},
               {"rel_error_exact", "rel error (exact)", T::kExact, R, Shown::kDataOnly},
               {"bits", "bits"},
               {"binary", "binary", T::kText, Align::kLeft, Shown::kDataOnly}};
  return t;
}

}  // namespace

Result store(const StoreRequest& request) {
  Result res;
  res.command = "store";
  Rng rng;
  const ConvertOptions opt = convert_options(request.conversion, rng);
  std::vector<Format> formats;
  if (request.formats.empty()) formats = find_formats(kNotesFormats);
  for (const std::string& list : request.formats)
    for (const Format& f : find_formats(list)) formats.push_back(f);
  std::optional<Rational> scale;
  if (request.scale) {
    const Number s = parse_number(*request.scale);
    if (s.kind != Number::Kind::kFinite || s.neg || s.mag == 0)
      throw InputError("--scale takes a positive finite number, not '" + *request.scale + "'");
    scale = s.mag;
  }
  std::vector<Number> inputs;
  for (const std::string& text : request.values) inputs.push_back(parse_number(text));
  res.echo_texts("values", request.values);
  std::vector<Cell> names;
  for (const Format& f : formats) names.push_back(Cell::text(std::string(f.name)));
  res.echo("formats", std::move(names));
  echo(res, request.conversion);
  res.echo("scale", scale ? exact_cell(*scale) : Cell::null());

  Table t = store_table();
  bool any_int_unscaled = false;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Number& x = inputs[i];
    for (const Format& f : formats) {
      // With --scale S the format holds round(x / S), and the stored value is that times S.
      Number in = x;
      if (scale && x.kind == Number::Kind::kFinite) in.mag = x.mag / *scale;
      const Encoded e = encode(f, in, opt);
      Number stored = decode(f, e.code).number();
      if (scale && stored.kind == Number::Kind::kFinite) stored.mag *= *scale;
      const std::string_view status = outcome(f, in, e);
      const bool invalid = status == "invalid";
      Cell abs_err = Cell::null(), rel_err = Cell::null(), rel_exact = Cell::null();
      if (!invalid && x.kind == Number::Kind::kFinite && stored.kind == Number::Kind::kFinite) {
        const Rational diff = stored.value() - x.value();
        const Rational ad = diff < 0 ? Rational(-diff) : diff;
        abs_err = exact_cell(ad);
        if (x.mag == 0 && ad != 0) {
          // Only E8M0 (no zero) stores 0 as something else: an error relative to 0 is unbounded, not 0.
          rel_err = rel_exact = exact_cell(Number{Number::Kind::kInf, false, 0});
        } else {
          const Rational rel = x.mag == 0 ? Rational(0) : Rational(ad / x.mag);
          rel_exact = exact_cell(rel);
          rel_err = exact_cell(rel, rel == 0 ? "0" : "≈" + rounded_decimal(rel, 4));
        }
      } else if (!invalid && x.kind == Number::Kind::kFinite) {
        const Number inf{Number::Kind::kInf, false, 0};
        abs_err = rel_err = rel_exact = exact_cell(inf);
      }
      if (f.kind == Kind::kInt && !scale && (e.status & kInexact)) any_int_unscaled = true;
      t.add({Cell::text(std::string(f.name)), Cell::text(request.values[i]),
             invalid ? Cell::null() : exact_cell(stored), Cell::text(std::string(status)), abs_err, rel_err,
             rel_exact, invalid ? Cell::null() : Cell::text(bits_hex(f, e.code)),
             invalid ? Cell::null() : Cell::text(bits_binary(f, e.code))});
    }
  }
  if (any_int_unscaled)
    t.notes.push_back(
        "Integer formats store the number itself (int8 saturates at 127, int4 at 7): quantized integers need a "
        "scale; try --scale S to store round(x/S)·S.");
  if (scale)
    t.notes.push_back("Scaled by S = " + exact_decimal(*scale) +
                      ": each format holds round(x/S) and the stored value is that times S.");
  t.notes.push_back("rel error is rounded to 4 significant digits (≈); -o json gives it exactly.");
  res.tables.push_back(std::move(t));
  return res;
}

}  // namespace numscope::api
