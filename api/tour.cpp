// `tour`: three other commands' tables with titles that say how to print each alone.
#include "numscope/api/tour.h"

#include "numscope/api/explain.h"
#include "numscope/api/formats.h"
#include "numscope/api/store.h"

namespace numscope::api {

Result tour() {
  Result r;
  r.command = "tour";
  r.intro = {"numscope tour: every number below is derived from the formats' bit layouts and computed exactly.",
             "Try the commands shown in [brackets] yourself."};
  // 1. The formats the notes compare.
  FormatsRequest formats_request;
  formats_request.formats = {"fp32", "tf32", "fp16", "bf16", "e5m2", "e4m3", "e2m1"};
  Table formats_table = std::move(formats(formats_request).tables.at(0));
  formats_table.name = "formats";
  formats_table.title = "1. Range and precision [numscope formats fp32 tf32 fp16 bf16 e5m2 e4m3 e2m1]";
  r.tables.push_back(std::move(formats_table));
  // 2. What each format stores for 123456.789 (the notes say bf16 gives 123456.8 and e5m2 holds it: neither is true).
  StoreRequest store_request;
  store_request.values = {"123456.789"};
  Table store_table = std::move(store(store_request).tables.at(0));
  store_table.title = "2. Storing 123456.789 [numscope store 123456.789]";
  store_table.notes = {
      "bf16 keeps 8 significant bits, so 123456.789 becomes 123392, not 123456.8; e5m2 (max 57344) and fp16",
      "(max 65504) overflow to inf; e4m3 (max 448) has no inf and gives NaN; int8 and int4 need a scale (--scale)."};
  r.tables.push_back(std::move(store_table));
  // 3. Why bf16 gives 123392.
  ExplainRequest explain_request;
  explain_request.format = "bf16";
  explain_request.value = "123456.789";
  Table explain_table = std::move(explain(explain_request).tables.at(0));
  explain_table.title = "3. Inside bf16 [numscope explain bf16 123456.789]";
  r.tables.push_back(std::move(explain_table));
  r.notes = {"Next: numscope --help, numscope values e4m3, numscope memory --help."};
  return r;
}

}  // namespace numscope::api
