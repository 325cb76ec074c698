// GGUF tensors as tensor sources (io/tensor_source.h): the container parsed by io/gguf.h, every tensor of a type
// numscope can decode read as ggml's to_float reads it (F32, F16, BF16, F64, and the block types of
// quantize/ggml/), so an already quantized model can be profiled and re-quantized.
#pragma once

#include <optional>  // std::optional
#include <string>    // std::string
#include <vector>    // std::vector

#include "numscope/io/tensor_io.h"

namespace numscope {

/// Every tensor of a GGUF file, in file order: name, dtype (ggml's type name, "q4_K"), shape in C order (ggml's ne
/// reversed: rows are the output channels), and a source that dequantizes blocks on demand from the mapping.
/// Tensors of types numscope cannot decode (integers, the IQ1/IQ2/IQ3 and TQ grids) have no source and say why.
/// Throws InputError for a file that is not a valid GGUF (io/gguf.h lists the checks).
std::vector<TensorEntry> read_gguf_tensors(const std::string& path);

/// A .npy, .safetensors or GGUF file, told apart by their magic bytes (read_tensor_file for the first two).
std::vector<TensorEntry> read_tensors(const std::string& path, std::optional<DType> override_dtype = std::nullopt);

}  // namespace numscope
