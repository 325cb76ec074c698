// `numscope store VALUE...`: what each format stores for a number, exactly, with the error and the bits.
#include <fmt/format.h>  // fmt::format

#include "numscope/formats/registry.h"
#include "numscope/formats/text.h"
#include "numscope/tools/cli/command.h"
#include "numscope/tools/cli/common.h"

namespace numscope::cli {

StoreTable make_store_table(const std::vector<std::string>& values, const std::vector<Format>& formats,
                            const ConvertOptions& opt, const Rational* scale) {
  StoreTable st;
  Table& t = st.table;
  t.columns = {{"format", "format"},
               {"input", "input"},
               {"stored", "stored", true},
               {"status", "status"},
               {"abs error", "abs_error", true},
               {"rel error", "rel_error", true},
               {"rel error (exact)", "rel_error_exact", false, Column::Show::kJson},
               {"bits", "bits"},
               {"binary", "binary", false, Column::Show::kJson}};
  for (const std::string& text : values) {
    const Number x = parse_number(text);
    for (const Format& f : formats) {
      // With --scale S the format holds round(x / S), and the stored value is that times S.
      Number in = x;
      if (scale != nullptr && x.kind == Number::Kind::kFinite) in.mag = x.mag / *scale;
      const Encoded e = encode(f, in, opt);
      Number stored = decode(f, e.code).number();
      if (scale != nullptr && stored.kind == Number::Kind::kFinite) stored.mag *= *scale;
      const std::string_view status = outcome(f, in, e);
      const bool invalid = status == "invalid";
      std::string abs_err = "-", rel_err = "-", rel_exact = "-";
      if (!invalid && x.kind == Number::Kind::kFinite && stored.kind == Number::Kind::kFinite) {
        const Rational diff = stored.value() - x.value();
        const Rational ad = diff < 0 ? Rational(-diff) : diff;
        abs_err = exact_decimal(ad);
        if (x.mag == 0) {
          rel_err = rel_exact = "0";
        } else {
          const Rational rel = ad / x.mag;
          rel_exact = exact_decimal(rel);
          rel_err = rel == 0 ? "0" : "≈" + rounded_decimal(rel, 4);
        }
      } else if (!invalid && x.kind == Number::Kind::kFinite) {
        abs_err = rel_err = rel_exact = "inf";
      }
      if (f.kind == Kind::kInt && scale == nullptr && (e.status & kInexact)) st.any_int_unscaled = true;
      t.add({str(std::string(f.name)), str(text), str(invalid ? "-" : exact_decimal(stored)), str(std::string(status)),
             str(abs_err), str(rel_err), str(rel_exact), str(invalid ? "-" : bits_hex(f, e.code)),
             str(invalid ? "-" : bits_binary(f, e.code))});
    }
  }
  return st;
}

namespace {

int run(const Args& args, Context&, Report& report) {
  Rng rng;
  const ConvertOptions opt = conversion_from(args, rng);
  const std::vector<Format> formats = find_formats(args.get("formats", kNotesFormats));
  Rational scale_value;
  const Rational* scale = nullptr;
  if (args.has("scale")) {
    const Number s = parse_number(args.get("scale"));
    if (s.kind != Number::Kind::kFinite || s.neg || s.mag == 0)
      throw InputError("--scale takes a positive finite number, not '" + args.get("scale") + "'");
    scale_value = s.mag;
    scale = &scale_value;
  }
  StoreTable st = make_store_table(args.positional, formats, opt, scale);
  if (st.any_int_unscaled)
    st.table.notes.push_back(
        "Integer formats store the number itself (int8 saturates at 127, int4 at 7): quantized integers need a "
        "scale; try --scale S to store round(x/S)·S.");
  if (scale != nullptr) st.table.notes.push_back("Scaled by S = " + exact_decimal(scale_value) +
                                                 ": each format holds round(x/S) and the stored value is that times S.");
  st.table.notes.push_back("rel error is rounded to 4 significant digits (≈); -o json gives it exactly.");
  report.tables.push_back(std::move(st.table));
  return 0;
}

}  // namespace

const Command& store_command() {
  static const Command kCommand{
      {"store",
       "what each format stores for a number: exact value, status, error, bits",
       "numscope store VALUE... [--formats LIST] [--rounding MODE] [--saturate] [--ftz] [--scale S]",
       "VALUE is parsed exactly (123456.789, -1.5e-3, 0x1.8p3, 1/3, inf, nan, -0) and rounded once into each\n"
       "format, never through a double. status is exact, rounded, overflow, saturated, underflow, nan or invalid.\n"
       "Default formats: " + std::string(kNotesFormats) + ".",
       [] {
         auto o = conversion_options();
         o.insert(o.begin(), {"formats", 'f', "LIST", "comma-separated formats (default: the notes' set)"});
         o.push_back({"scale", 0, "S", "store round(x/S)·S: how quantized integers (and scaled FP8) hold x"});
         return o;
       }(),
       1,
       -1},
      run};
  return kCommand;
}

}  // namespace numscope::cli
