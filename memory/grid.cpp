// Grids of memory totals (see grid.h).
#include "numscope/memory/grid.h"

#include <cstddef>  // std::size_t
#include <string>   // std::to_string

#include "numscope/memory/plan.h"
#include "numscope/support/error.h"

namespace numscope::memory {

Grid memory_grid(const MemoryRequest& base, const std::string& model_key, const std::vector<std::string>& models,
                 const std::vector<std::string>& dtypes) {
  if (!base.model.empty() || !base.config.empty() || base.params || base.architecture)
    throw InputError("a grid sets the model per row: give the models as a list, not also a single one");
  if (models.empty() || dtypes.empty()) throw InputError("a grid needs at least one model and one dtype");
  // One estimate per cell (about 60 µs each): 4096 cells take a fraction of a second, a 10,000 × 10,000 grid of
  // command-line lists would take hours.
  constexpr std::size_t kMaxCells = 4096;
  if (models.size() > kMaxCells / dtypes.size())
    throw InputError("a grid of " + std::to_string(models.size()) + " models × " + std::to_string(dtypes.size()) +
                     " dtypes is more than " + std::to_string(kMaxCells) + " cells: split the lists over several runs");
  Grid g;
  g.model_key = model_key;
  g.models = models;
  g.dtypes = dtypes;
  for (const std::string& m : models) {
    std::vector<double> row;
    std::int64_t params = 0;
    for (const std::string& d : dtypes) {
      MemoryRequest r = base;
      set_option(r, model_key, m);
      set_option(r, "weights", d);
      const MemoryEstimate e = estimate(r);
      params = e.params;
      row.push_back(e.total_bytes);
    }
    g.params.push_back(params);
    g.total_bytes.push_back(std::move(row));
  }
  return g;
}

}  // namespace numscope::memory
