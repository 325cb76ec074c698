// Reads a model directory's safetensors index and shard headers (see checkpoint.h). The index format is
// transformers' sharded checkpoint (modeling_utils.py save_pretrained: {"metadata": {"total_size": bytes},
// "weight_map": {tensor: shard file}}); each shard is read by the safetensors reader, headers only.
#include "numscope/io/checkpoint.h"

#include <algorithm>   // std::sort
#include <filesystem>  // std::filesystem
#include <map>         // std::map
#include <set>         // std::set

#include "numscope/io/tensor_io.h"
#include "numscope/support/error.h"
#include "numscope/support/files.h"
#include "numscope/support/json.h"

namespace numscope {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxIndexBytes = 256u << 20;  // a 200,000-tensor index is about 20 MB
constexpr std::size_t kMaxShards = 100000;

// A shard named by the index is a file of the directory itself: no folders, no way out of it.
void check_shard_name(const std::string& path, const std::string& tensor, const std::string& shard) {
  if (shard.empty() || shard.find('/') != std::string::npos || shard.find('\\') != std::string::npos ||
      shard == "." || shard == ".." || !shard.ends_with(".safetensors"))
    throw InputError(path + ": weight_map maps '" + tensor.substr(0, 80) + "' to '" + shard.substr(0, 80) +
                     "'; expected a .safetensors file name in the model directory");
}

struct Index {
  std::map<std::string, std::string> weight_map;
  std::optional<std::uint64_t> total_size;
};

Index read_index(const fs::path& p) {
  const std::string path = p.string();
  nlohmann::json j;
  try {
    j = parse_json(read_text_file(p, kMaxIndexBytes), JsonLimits{.max_depth = 8, .unique_keys_depth = 2});
  } catch (const JsonError& e) {
    if (e.kind == JsonError::Kind::kDuplicateKey)
      throw InputError(path + ": weight_map names tensor '" + e.detail + "' twice");
    throw InputError(path + ": " + e.what());
  }
  if (!j.is_object() || !j.contains("weight_map") || !j.at("weight_map").is_object())
    throw InputError(path + ": expected a JSON object with a \"weight_map\" object (a sharded safetensors index)");
  Index out;
  for (auto it = j.at("weight_map").begin(); it != j.at("weight_map").end(); ++it) {
    if (!it.value().is_string())
      throw InputError(path + ": weight_map entry '" + it.key().substr(0, 80) + "' must name a shard file");
    const std::string shard = it.value().get<std::string>();
    check_shard_name(path, it.key(), shard);
    out.weight_map.emplace(it.key(), shard);
  }
  if (j.contains("metadata") && j.at("metadata").is_object() && j.at("metadata").contains("total_size")) {
    const nlohmann::json& t = j.at("metadata").at("total_size");
    // transformers writes an integer; some converters write a float or a string of digits.
    if (t.is_number_unsigned()) out.total_size = t.get<std::uint64_t>();
    else if (t.is_number_integer() && t.get<std::int64_t>() >= 0) out.total_size = static_cast<std::uint64_t>(t.get<std::int64_t>());
    else if (t.is_number_float() && t.get<double>() >= 0 && t.get<double>() < 1.8e19)
      out.total_size = static_cast<std::uint64_t>(t.get<double>());
    else throw InputError(path + ": metadata.total_size must be a non-negative number of bytes");
  }
  return out;
}

std::vector<std::string> shards_in(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.ends_with(".safetensors") && it->is_regular_file(ec)) out.push_back(name);
    if (out.size() > kMaxShards)
      throw InputError(dir.string() + ": more than 100,000 .safetensors files; not a model directory");
  }
  if (ec) throw InputError("cannot list '" + dir.string() + "': " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::optional<CheckpointFiles> read_checkpoint(const std::string& dir_text, const std::string& index_name) {
  const fs::path dir(dir_text);
  CheckpointFiles f;
  f.dir = dir_text;
  std::error_code ec;
  const fs::path index_path = dir / index_name;
  std::optional<Index> index;
  std::vector<std::string> names;
  if (fs::exists(index_path, ec)) {
    index = read_index(index_path);
    f.index_total_size = index->total_size;
    f.index_tensors = index->weight_map.size();
    std::set<std::string> unique;
    for (const auto& [tensor, shard] : index->weight_map) unique.insert(shard);
    names.assign(unique.begin(), unique.end());
  } else {
    names = shards_in(dir);
    if (names.empty()) return std::nullopt;
  }
  for (const std::string& n : names)
    if (!fs::is_regular_file(dir / n, ec)) f.missing.push_back(n);
  if (!f.missing.empty() && f.missing.size() < names.size())
    throw InputError(index_path.string() + " names " + f.missing.front() +
                     (f.missing.size() > 1 ? " and " + std::to_string(f.missing.size() - 1) + " more shards" : "") +
                     ", not in " + dir_text + "; a checkpoint is read with all its shards or from the index alone");
  if (!f.missing.empty()) return f;  // the index alone: its total_size is the checkpoint's bytes
  std::set<std::string> seen;
  for (const std::string& n : names) {
    const std::string path = (dir / n).string();
    const SafetensorsFile sf = read_safetensors(path);
    f.shards.push_back(n);
    for (const TensorEntry& e : sf.tensors) {
      if (!seen.insert(e.name).second)
        throw InputError(path + ": tensor '" + e.name.substr(0, 80) + "' is in another shard too");
      if (index) {
        const auto it = index->weight_map.find(e.name);
        if (it == index->weight_map.end() || it->second != n)
          throw InputError(path + " holds tensor '" + e.name.substr(0, 80) + "', which " + index_name +
                           (it == index->weight_map.end() ? " does not list" : " maps to " + it->second));
      }
      f.tensors.push_back({e.name, e.dtype, e.elements, e.bytes});
      f.elements += e.elements;
      f.bytes += e.bytes;
    }
  }
  if (index && seen.size() != index->weight_map.size())
    for (const auto& [tensor, shard] : index->weight_map)
      if (!seen.count(tensor))
        throw InputError(index_path.string() + " maps tensor '" + tensor.substr(0, 80) + "' to " + shard +
                         ", which does not hold it");
  return f;
}

std::vector<std::string> input_files(const std::string& path) {
  std::error_code ec;
  const fs::path p(path);
  const bool dir = fs::is_directory(p, ec);
  const std::string name = p.filename().string();
  // A file that is not there is the tensor reader's to refuse ("cannot open"), not a reason to list the folder.
  if (!dir && (!name.ends_with(".index.json") || !fs::exists(p, ec))) return {path};
  const fs::path folder = dir ? p : p.parent_path().empty() ? fs::path(".") : p.parent_path();
  const std::optional<CheckpointFiles> f = read_checkpoint(folder.string(), dir ? kSafetensorsIndex : name);
  if (!f)
    throw InputError(path + ": a directory without .safetensors files or " + kSafetensorsIndex +
                     "; expected a model directory, or a .npy, .safetensors or GGUF file");
  if (!f->missing.empty())
    throw InputError(path + ": the index names " + f->missing.front() + (f->missing.size() > 1 ? " and " +
                     std::to_string(f->missing.size() - 1) + " more shards" : "") + ", not in " + folder.string() +
                     "; the tensors are read from the shards");
  std::vector<std::string> out;
  for (const std::string& shard : f->shards) out.push_back((folder / shard).string());
  return out;
}

}  // namespace numscope
