// `numscope tour`: what a newcomer runs first: the format table, the 123456.789 table, and one explain.
#include "numscope/api/tour.h"
#include "numscope/tools/cli/command.h"

namespace numscope::cli {
namespace {

Result run(const Args&, Context&) {
  return api::tour();
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
