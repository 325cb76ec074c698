// Grids of memory totals: one estimate per model and dtype (rows models, columns dtypes), so a notes table such
// as "7B / 13B / 70B in FP32 / FP16 / INT8 / INT4" is one call, as `accelerate estimate-memory` prints every dtype.
#pragma once

#include <cstdint>  // std::int64_t
#include <string>   // std::string
#include <vector>   // std::vector

#include "numscope/memory/estimate.h"

namespace numscope::memory {

struct Grid {
  std::string model_key;              // "model", "params" or "config": what the row labels are
  std::vector<std::string> models;    // row labels, as given
  std::vector<std::int64_t> params;   // each row's parameter count
  std::vector<std::string> dtypes;    // column labels: the weights dtype of each column, as given
  std::vector<std::vector<double>> total_bytes;  // [row][column]: MemoryEstimate::total_bytes
};

/// Estimates `base` with `model_key` (model, params or config) set to each of `models` and --weights to each of
/// `dtypes`. `base` must not set the model itself. Throws InputError naming the cell's values on bad input, and for
/// grids of more than 4096 cells.
Grid memory_grid(const MemoryRequest& base, const std::string& model_key, const std::vector<std::string>& models,
                 const std::vector<std::string>& dtypes);

}  // namespace numscope::memory
