// Tensor files for `numscope quantize`: NumPy .npy (v1-3) and safetensors read through mmap with full
// validation, a streaming .npy writer, and deterministic synthetic tensors.
//
// Sources: NumPy NEP 1 / numpy.lib.format (the .npy format, versions 1.0-3.0); safetensors' format description
// and its Rust reader (header length limit 100,000,000, offsets tiling the data buffer, dtype sizes).
#pragma once

#include <cstdint>      // std::uint64_t
#include <map>          // std::map
#include <utility>      // std::pair
#include <memory>       // std::shared_ptr
#include <optional>     // std::optional
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

#include "numscope/formats/registry.h"  // the rows a DType names
#include "numscope/io/tensor_source.h"
#include "numscope/support/atomic_file.h"

namespace numscope {

/// A read-only memory map of a whole file (POSIX mmap); unmapped when the last owner goes. The file may shrink
/// while mapped: a read past its new end raises SIGBUS, which the CLI turns into "FILE changed size while being
/// read" (exit 2) through the table of mapped inputs.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // throws InputError when it cannot be opened
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  const unsigned char* data() const { return data_; }
  std::uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const unsigned char* data_ = nullptr;
  std::uint64_t size_ = 0;
  int slot_ = -1;  // in the table of mapped inputs (support/mapped_inputs.h): a SIGBUS names this file
};

/// An element type the readers decode: one of the rows kFp64, kFp32, kFp16, kBf16, kE4m3, kE5m2, kE4m3fnuz,
/// kE5m2fnuz, kE8m0 (formats/registry.h), always the named row itself, so `t == &kBf16` asks which.
using DType = const Format*;
std::string_view dtype_name(DType t);  // "F32", "F16", ... (safetensors spelling)
/// Parses a --dtype override: f64, f32, f16, bf16, e4m3, e5m2, e4m3fnuz, e5m2fnuz, e8m0 (or the safetensors
/// spellings F32, BF16, F8_E4M3, ...).
DType parse_dtype(std::string_view s);

/// One tensor of a file: its name, dtype, shape, and its rows (decoded on demand from the mapping).
struct TensorEntry {
  std::string name;   // the safetensors key, or the file name for .npy
  std::string dtype;  // as the file spells it ("F32", "<f4")
  std::vector<std::uint64_t> shape;
  std::uint64_t elements = 0;
  std::uint64_t bytes = 0;  // the bytes the file stores (elements × the dtype's bits / 8)
  std::shared_ptr<const RowSource> source;  // null when the dtype is not supported (unsupported_dtype says it)
  std::string unsupported;                   // non-empty: why this tensor cannot be analysed
};

/// Reads a .npy file (versions 1, 2, 3; <f2 <f4 <f8 and big-endian; C or Fortran order). `override_dtype`
/// reinterprets ml_dtypes' void types (<V2 = bfloat16, <V1 / <f1 = float8). Throws InputError on bad input.
TensorEntry read_npy(const std::string& path, std::optional<DType> override_dtype = std::nullopt);

/// Reads the header of a .safetensors file and validates it whole: header length, JSON, dtypes, shapes
/// (overflow-safe element counts), offsets inside the file, entries tiling the data with no hole or overlap.
struct SafetensorsFile {
  std::vector<TensorEntry> tensors;  // in data order
  std::map<std::string, std::string> metadata;
};
SafetensorsFile read_safetensors(const std::string& path);

/// The tensors of several files (shards of one checkpoint), in order. A tensor name present in two files is refused
/// naming both (it would be silently taken from the last file by name, or counted twice by --all); a file given
/// twice is refused as such. `shards` pairs each file's path with its tensors.
std::vector<TensorEntry> merge_shards(std::vector<std::pair<std::string, std::vector<TensorEntry>>> shards);

/// A .npy or a .safetensors file, told apart by their magic bytes; throws InputError for anything else.
std::vector<TensorEntry> read_tensor_file(const std::string& path, std::optional<DType> override_dtype = std::nullopt);

/// Streams a float64 C-order .npy (version 1.0) through an AtomicFile (support/atomic_file.h): a temporary next
/// to `path`, renamed over it by commit() only when all the shape's elements were written; a writer destroyed
/// without commit() leaves `path` as it was. `what` names the output in messages ("--dump-dequantized").
class NpyWriter {
 public:
  NpyWriter(const std::string& path, const std::vector<std::uint64_t>& shape, const std::string& what = "");
  void write(const double* values, std::uint64_t count);
  void commit();

 private:
  AtomicFile file_;
  std::uint64_t expected_ = 0, written_ = 0;
};

/// Widens n fp32 values (little-endian, any alignment) to doubles, exactly: the read path of fp32 tensors
/// (MappedSource, and `numscope bench`'s in-memory fp32 tensor). AVX-512 / AVX2 where best_isa() allows (8 or 4
/// conversions an instruction instead of SSE2's 2); every build gives the same bits (the conversion is exact).
void widen_fp32(const unsigned char* in, double* out, std::uint64_t n);
inline void widen_fp32(const float* in, double* out, std::uint64_t n) {
  widen_fp32(reinterpret_cast<const unsigned char*>(in), out, n);
}

/// A synthetic tensor. Spec: DIST[:key=value,...] with DIST normal | laplace | uniform | student-t and keys
/// n= (elements, default 65536), shape=ROWSxCOLS, sigma= (standard deviation, default 1), nu= (student-t
/// degrees of freedom, default 3), outliers=FRACTION:MAGNITUDE (that share of elements set to ±MAGNITUDE·sigma),
/// seed= (default 0). Values are rounded to fp32, like a stored weight tensor; the same spec always gives the
/// same tensor (splitmix64, Box-Muller).
struct SyntheticTensor {
  std::string name;  // the spec, normalised
  std::vector<std::uint64_t> shape;
  std::shared_ptr<const MemorySource> source;
};
SyntheticTensor make_synthetic(std::string_view spec);

}  // namespace numscope
