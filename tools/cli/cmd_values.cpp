// `numscope values FORMAT`: every code of a format of at most 16 bits, with its class and exact value.
#include "numscope/formats/registry.h"
#include "numscope/formats/text.h"
#include "numscope/tools/cli/command.h"
#include "numscope/tools/cli/common.h"

namespace numscope::cli {
namespace {

int run(const Args& args, Context&, Report& report) {
  const Format f = find_format(args.positional[0]);
  if (bits(f) > 16)
    throw InputError("values lists formats of at most 16 bits; " + std::string(f.name) + " has " +
                     std::to_string(bits(f)) + " (use explain or store for single values)");
  const bool finite_only = args.has("finite");
  Table t;
  t.columns = {{"code", "code"}, {"bits", "bits"}, {"class", "class"}, {"value", "value", true}};
  const u128 n = u128{1} << bits(f);
  for (u128 c = 0; c < n; ++c) {
    const Decoded d = decode(f, c);
    if (finite_only && (d.cls == ValueClass::kNan || d.cls == ValueClass::kInf)) continue;
    t.add({str(bits_hex(f, c)), str(bits_binary(f, c)), str(std::string(f.kind == Kind::kInt ? "integer" : class_name(d.cls))),
           str(exact_decimal(d.number()))});
  }
  report.tables.push_back(std::move(t));
  return 0;
}

}  // namespace

const Command& values_command() {
  static const Command kCommand{
      {"values",
       "every code of a format (at most 16 bits): bits, class, exact value",
       "numscope values FORMAT [--finite]",
       "Lists codes in order 0x00.. with the class (zero, subnormal, normal, inf, nan) and the full exact value.",
       {{"finite", 0, "", "only codes of finite values"}},
       1,
       1},
      run};
  return kCommand;
}

}  // namespace numscope::cli
