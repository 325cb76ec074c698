// A Hugging Face model directory's safetensors shards: transformers' sharded-checkpoint index
// (model.safetensors.index.json) and every shard's header, read without the tensor data. The memory estimator
// compares them with a config (memory/checkpoint.h); `numscope quantize --input DIR` reads the tensors.
#pragma once

#include <cstdint>   // std::uint64_t
#include <optional>  // std::optional
#include <string>    // std::string
#include <vector>    // std::vector

namespace numscope {

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

/// The index file transformers' save_pretrained writes beside the shards.
inline constexpr const char* kSafetensorsIndex = "model.safetensors.index.json";

/// Reads DIR/INDEX_NAME when present (its weight_map names the shards; every mapped tensor must be in its shard)
/// and the header of every shard (without an index: every DIR/*.safetensors). A directory with an index and none
/// of its shards gives the index alone; some shards but not all is refused. Returns nothing when the directory
/// holds neither. Throws InputError naming the file for a malformed index or shard.
std::optional<CheckpointFiles> read_checkpoint(const std::string& dir,
                                               const std::string& index_name = kSafetensorsIndex);

/// The tensor files an --input names: a model directory's shards (by its index, else every *.safetensors in it),
/// the shards of an index file (*.index.json), or the path itself. Throws InputError for a directory without
/// shards or an index whose shards are not all there (the tensors are read, not only the index).
std::vector<std::string> input_files(const std::string& path);

}  // namespace numscope
