// `tour`: what a newcomer runs first: the format table, what formats do to 123456.789, and one explain.
#pragma once

#include "numscope/support/result.h"

namespace numscope::api {

/// Tables "formats" (as formats' "floats"), "store" and "explain", each titled with the command that prints it
/// alone, and a welcome (intro) and a next step (notes).
///
/// **Example**:
///   Result r = api::tour();
///   r.table("store").rows.size() == 8  // 123456.789 in the notes' eight formats
Result tour();

}  // namespace numscope::api
