// llama.cpp's importance-matrix files (`llama-imatrix` output, `llama-quantize --imatrix FILE`), read into the
// weights that llama-quantize hands ggml_quantize_chunk, and looked up per tensor.
//
// Two layouts, told apart as llama.cpp tells them (a file that parses as GGUF is GGUF, any other the legacy
// binary). Source: llama.cpp common/imatrix-loader.cpp (common_imatrix_load, common_imatrix_load_legacy) and
// tools/quantize/quantize.cpp (load_imatrix), as llama-cpp-python 0.3.36 carries them:
//   GGUF (llama.cpp since mid-2025, the default output): metadata imatrix.datasets (string array),
//     imatrix.chunk_count and imatrix.chunk_size (u32); for each weight NAME two F32 tensors, NAME.in_sum2
//     (ne = [ne0, n_mat]: sums of squared activations per column) and NAME.counts (ne = [1, n_mat]: tokens seen
//     by each matrix, an expert of a 3-D tensor). The weights are in_sum2 / count per matrix in fp32 (the count
//     rounded to an integer first), 1 where a count is 0.
//   legacy .dat: i32 n_entries (at least 1); per entry i32 name length, the name, i32 ncall, i32 nval (at least
//     1), nval f32; optionally i32 chunk count, i32 length and a dataset name. The weights are the values / ncall
//     in fp32 (the values as they are when ncall is 0).
// llama-quantize refuses an imatrix holding NaN or inf (llama_model_quantize_impl); so does this reader.
#pragma once

#include <cstdint>      // std::uint64_t
#include <map>          // std::map
#include <span>         // std::span
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

#include "numscope/quantize/quantize.h"

namespace numscope {

struct ImatrixEntry {
  std::vector<float> weights;   // llama-quantize's weights: `matrices` runs of weights.size() / matrices
  std::uint64_t matrices = 1;   // GGUF: n_mat of the counts; legacy: 1 (the file does not say)
};

struct Imatrix {
  std::string path;
  bool legacy = false;
  std::map<std::string, ImatrixEntry, std::less<>> entries;  // by GGUF tensor name
  std::vector<std::string> datasets;
  std::uint64_t chunk_count = 0;
};

/// Reads an importance-matrix file in either layout. Throws InputError naming the file and the problem (not a
/// GGUF imatrix and not a legacy one, counts or lengths that run past the end, a .in_sum2 without its .counts,
/// sizes that disagree, NaN or inf).
Imatrix read_imatrix(const std::string& path);

/// The weights of one tensor (its name as the input spells it, its shape in C order), or an empty `values` when
/// the file has none for it (llama-quantize then quantizes that tensor without: the caller notes it). The entry
/// is found under the name itself or its GGUF name (names.h); a Hugging Face checkpoint's per-expert tensor takes
/// its expert's matrix of the merged 3-D tensor's entry. Throws InputError when the entry's size is not the
/// tensor's last dimension times its matrices (llama-quantize: "imatrix size ... is different from tensor size").
ImportanceWeights imatrix_weights(const Imatrix& m, std::string_view tensor, std::span<const std::uint64_t> shape);

}  // namespace numscope
