// `numscope store VALUE...`: what each format stores for a number, exactly, with the error and the bits.
#include "numscope/api/store.h"
#include "numscope/tools/cli/command.h"
#include "numscope/tools/cli/common.h"

namespace numscope::cli {
namespace {

Result run(const Args& args, Context&) {
  api::StoreRequest req;
  req.values = args.positional;
  if (args.has("formats")) req.formats = args.options.at("formats");
  req.conversion = conversion_from(args);
  if (args.has("scale")) req.scale = args.get("scale");
  return api::store(req);
}

}  // namespace

const Command& store_command() {
  static const Command kCommand{
      {"store",
       "what each format stores for a number: exact value, status, error, bits",
       "numscope store VALUE... [--formats LIST] [--rounding MODE] [--saturate] [--ftz] [--scale S]",
       "VALUE is parsed exactly (123456.789, -1.5e-3, 0x1.8p3, 1/3, inf, nan, -0) and rounded once into each\n"
       "format, never through a double. status is exact, rounded, overflow, saturated, underflow, nan or invalid.\n"
       "Default formats: " + std::string(api::kNotesFormats) + ".",
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
