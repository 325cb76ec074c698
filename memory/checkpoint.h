// A Hugging Face model directory's safetensors checkpoint beside the architecture its config.json describes: the
// tensors' real bytes by dtype (model.safetensors.index.json and every shard's header, read through io/'s
// safetensors reader; no tensor data is read) against checkpoint_elements(), and why they differ when they do.
#pragma once

#include <cstdint>   // std::int64_t, std::uint64_t
#include <map>       // std::map
#include <optional>  // std::optional
#include <string>    // std::string
#include <vector>    // std::vector

#include "numscope/memory/architecture.h"

namespace numscope::memory {

/// What the shards of a model directory hold.
struct CheckpointFiles {
  struct Tensor {
    std::string name, dtype;  // safetensors dtype: BF16, F8_E4M3, I32, ...
    std::uint64_t elements = 0, bytes = 0;
  };
  std::string dir;
  std::vector<std::string> shards;                  // the .safetensors files read, in name order
  std::vector<std::string> missing;                 // shards the index names that are not in the directory
  std::vector<Tensor> tensors;                      // every tensor of every shard
  std::optional<std::uint64_t> index_total_size;    // metadata.total_size of model.safetensors.index.json
  std::uint64_t index_tensors = 0;                  // entries of its weight_map
  std::uint64_t elements = 0, bytes = 0;
};

/// Reads DIR/model.safetensors.index.json when present (its weight_map names the shards; every mapped tensor must
/// be in its shard) and the header of every shard (without an index: every DIR/*.safetensors). A directory with an
/// index and none of its shards gives the index alone; some shards but not all is refused. Returns nothing when
/// the directory holds neither. Throws InputError naming the file for a malformed index or shard.
std::optional<CheckpointFiles> read_checkpoint(const std::string& dir);

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
