// `numscope quantize --list-tensors`: the tensors of the inputs as their files describe them (name, dtype, shape,
// bytes), without reading the data; and the reading of the inputs that the full run shares with it.
#pragma once

#include <cstdint>  // std::uint64_t
#include <string>   // std::string
#include <vector>   // std::vector

#include "numscope/api/quantize.h"
#include "numscope/io/tensor_io.h"
#include "numscope/support/result.h"

namespace numscope::api::detail {

/// "4096x11008" ("scalar" for no dimensions).
std::string shape_text(const std::vector<std::uint64_t>& shape);

/// The files of the request's inputs: each --input expanded (a model directory's shards, io/checkpoint.h).
std::vector<std::string> input_file_list(const QuantizeRequest& q);

/// Every tensor of those files, read (.npy, safetensors, GGUF; q.dtype for ml_dtypes .npy) and merged (a name in
/// two shards is refused).
std::vector<TensorEntry> read_input_tensors(const QuantizeRequest& q, const std::vector<std::string>& files);

/// Tables "tensors" (each tensor --include / --exclude keep, then a "total" row; bits per element from the bytes
/// the file stores) and "dtypes" (the same summed per dtype, largest first). Throws InputError for options that
/// only a run uses.
Result list_tensors(const QuantizeRequest& q);

}  // namespace numscope::api::detail
