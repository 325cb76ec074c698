// A Hugging Face model directory's safetensors checkpoint beside the architecture its config.json describes: the
// tensors' real bytes by dtype (model.safetensors.index.json and every shard's header, read through io/'s
// safetensors reader; no tensor data is read) against checkpoint_elements(), and why they differ when they do.
#pragma once

#include <cstdint>   // std::int64_t, std::uint64_t
#include <map>       // std::map
#include <optional>  // std::optional
#include <string>    // std::string
#include <vector>    // std::vector

#include "numscope/io/checkpoint.h"
#include "numscope/memory/architecture.h"

namespace numscope::memory {

// The directory's files are read by io/ (CheckpointFiles, read_checkpoint).
using numscope::CheckpointFiles;
using numscope::read_checkpoint;

/// One dtype of the comparison.
struct CheckpointDtype {
  std::string dtype;
  std::uint64_t tensors = 0, elements = 0, bytes = 0;  // in the files
  std::uint64_t set_aside = 0;  // of them, set aside: buffers (rotary inv_freq, ...) and bitsandbytes' JSON states
  std::int64_t expected = 0;    // checkpoint_elements() of the config, less the JSON states it predicts
};

/// The files against the config: per dtype, and the reasons for every difference.
struct CheckpointCheck {
  std::vector<CheckpointDtype> dtypes;  // the union of both sides, largest first
  bool predicted = true;                // false: the config's quantization cannot be priced tensor by tensor
  bool agree = false;                   // every dtype's elements, less those set aside, equal the prediction
  std::vector<std::string> reasons;     // one line each: buffers, the head, the layer count, dtypes, the index
};

CheckpointCheck compare_checkpoint(const Architecture& a, const CheckpointFiles& f);

}  // namespace numscope::memory
