// `quantize`'s tensors and llama.cpp's file-type mixes (quantize/mix.h) within a run: a mix is one scheme column
// whose type differs from tensor to tensor; this resolves it per tensor and runs the types in one pass.
#pragma once

#include <cstdint>  // std::uint64_t
#include <memory>   // std::shared_ptr
#include <string>   // std::string
#include <vector>   // std::vector

#include "numscope/formats/scheme.h"
#include "numscope/io/tensor_io.h"
#include "numscope/quantize/mix.h"
#include "numscope/quantize/quantize.h"

namespace numscope::api::detail {

/// One tensor of a run.
struct Input {
  std::string name, dtype;
  std::vector<std::uint64_t> shape;
  std::shared_ptr<const RowSource> source;
  TensorStats stats;
  ImportanceWeights imatrix;  // --imatrix: this tensor's weights (empty values: none in the file)
  std::uint64_t stored_bytes = 0;  // the bytes the file stores it in (0: not from a file)
  std::vector<std::string> mix_type;  // per scheme: the type a mix gives it ("q6_K"), "" for other schemes
};

/// The schemes of a run from their names: llama.cpp file-type mixes ("llama:Q4_K_M", "Q4_K_M") become a
/// placeholder row named "llama:Q4_K_M" and their entry of `mixes` is set (nullptr for the other schemes).
std::vector<Scheme> parse_run_schemes(const std::vector<std::string>& names, Rounding rounding, MxScaleRule rule,
                                      std::vector<const FileTypeMix*>& mixes);

/// Sets each input's mix_type: the type each mix gives it, decided over every tensor of the model (`entries`,
/// before any filter; inputs[i] is entries[chosen[i]]), as llama-quantize decides it.
void resolve_mixes(const std::vector<const FileTypeMix*>& mixes, const std::vector<std::string>& files,
                   const std::vector<TensorEntry>& entries, const std::vector<std::size_t>& chosen, bool has_imatrix,
                   std::vector<Input>& inputs);

/// quantize_schemes over one input, a mix running as the type it gives this tensor (a tensor llama-quantize
/// copies costs its stored bytes, with no error); each type runs once however many columns ask for it.
std::vector<SchemeResult> run_schemes(const std::vector<Scheme>& schemes, const std::vector<const FileTypeMix*>& mixes,
                                      const Input& in, const QuantizeOptions& options);

}  // namespace numscope::api::detail
