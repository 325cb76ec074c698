// `numscope tour`: what a newcomer runs first: the format table, the 123456.789 table, and one explain.
#include "numscope/formats/registry.h"
#include "numscope/tools/cli/command.h"
#include "numscope/tools/cli/common.h"

namespace numscope::cli {
namespace {

int run(const Args& args, Context& ctx, Report& report) {
  const bool text = args.output == OutputFormat::kTable || args.output == OutputFormat::kMarkdown;
  if (text)
    ctx.out << "numscope tour: every number below is derived from the formats' bit layouts and computed exactly.\n"
               "Try the commands shown in [brackets] yourself.\n\n";
  // 1. The formats the notes compare.
  {
    Args fa;
    fa.output = args.output;
    fa.positional = {"fp32", "tf32", "fp16", "bf16", "e5m2", "e4m3", "e2m1"};
    Report r;
    formats_command().run(fa, ctx, r);
    Table t = std::move(r.tables.at(0));
    t.title = "1. Range and precision [numscope formats fp32 tf32 fp16 bf16 e5m2 e4m3 e2m1]";
    report.tables.push_back(std::move(t));
  }
  // 2. What each format stores for 123456.789 (the notes say bf16 gives 123456.8 and e5m2 holds it: neither is true).
  {
    ConvertOptions opt;
    StoreTable st = make_store_table({"123456.789"}, find_formats(kNotesFormats), opt, nullptr);
    st.table.title = "2. Storing 123456.789 [numscope store 123456.789]";
    st.table.notes = {
        "bf16 keeps 8 significant bits, so 123456.789 becomes 123392, not 123456.8; e5m2 (max 57344) and fp16",
        "(max 65504) overflow to inf; e4m3 (max 448) has no inf and gives NaN; int8 and int4 need a scale (--scale)."};
    report.tables.push_back(std::move(st.table));
  }
  // 3. Why bf16 gives 123392.
  {
    Table t = make_explain_table(find_format("bf16"), "123456.789", ConvertOptions{});
    t.title = "3. Inside bf16 [numscope explain bf16 123456.789]";
    report.tables.push_back(std::move(t));
  }
  report.json_keys = {"formats", "store", "explain"};
  if (text) report.tables.back().notes.push_back("\nNext: numscope --help, numscope values e4m3, numscope memory --help.");
  return 0;
}

}  // namespace

const Command& tour_command() {
  static const Command kCommand{{"tour",
                                 "start here: the format table, what formats do to 123456.789, and one explain",
                                 "numscope tour [-o table|md|csv|json]",
                                 "",
                                 {},
                                 0,
                                 0},
                                run};
  return kCommand;
}

}  // namespace numscope::cli
