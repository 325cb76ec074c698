// Whole models: which tensors of a checkpoint to quantize (include / exclude globs, 1-D tensors left out), which
// transformer block each belongs to, and the per-layer totals; library calls returning data, for every front end.
#pragma once

#include <cstdint>      // std::uint64_t
#include <optional>     // std::optional
#include <span>         // std::span
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

#include "numscope/quantize/quantize.h"

namespace numscope {

/// Shell-style glob on a whole name: `*` any run of characters (dots included), `?` one character, `[abc]`,
/// `[a-z]` and `[!a]` classes. "model.layers.*.mlp.*" matches every MLP weight of a Hugging Face checkpoint,
/// "blk.*.ffn_*" every feed-forward weight of a GGUF file.
bool glob_match(std::string_view pattern, std::string_view name);

struct TensorFilter {
  std::vector<std::string> include;  // empty: every tensor; else a tensor must match one of them
  std::vector<std::string> exclude;  // a tensor matching any of them is left out
  bool include_1d = false;           // 1-D tensors (norms, biases) are left out unless this is set
};
/// Why a tensor is left out, or "" when it is kept: "excluded by 'PATTERN'", "matches no --include", "1-D".
std::string filter_reason(const TensorFilter& f, std::string_view name, std::span<const std::uint64_t> shape);

/// The transformer block of a tensor from its name: the number after "blk." (GGUF), "layers." (Hugging Face,
/// Meta), "h." (GPT-2, BLOOM, Falcon), "block." or "blocks." as a whole dot-separated part; nullopt for the
/// others (embeddings, the final norm, the output head).
std::optional<std::uint64_t> layer_of(std::string_view name);

/// Per-layer totals of a model: for each layer in increasing order (and "other" last, for tensors outside the
/// blocks), each scheme's results merged over its tensors, bits per element over their elements.
struct LayerTotals {
  std::string layer;                  // "0", "1", ..., or "other"
  std::uint64_t tensors = 0, elements = 0;
  std::vector<SchemeResult> schemes;  // in the order of the schemes run
};
std::vector<LayerTotals> layer_totals(std::span<const std::string> names, std::span<const std::uint64_t> elements,
                                      const std::vector<std::vector<SchemeResult>>& per_tensor);

}  // namespace numscope
