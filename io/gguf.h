// The project's one GGUF container parser: header, metadata key-value pairs, tensor table, alignment.
//
// GGUF (llama.cpp's model file, versions 2 and 3; little-endian) is, in order: magic "GGUF", u32 version,
// u64 tensor count, u64 metadata count, the metadata pairs (string key, u32 value type, value), the tensor infos
// (string name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset), padding to `general.alignment`
// (default 32), then the data section that each tensor's offset is relative to. A string is a u64 length and
// that many UTF-8 bytes; an array is a u32 element type, a u64 count and the elements.
// Source: ggml docs/gguf.md (the specification) and ggml/src/gguf.cpp (ggml's reader: its limits on names,
// dimensions and element counts are taken over here).
//
// Every count, length, offset and shape is checked against the bytes that are left before anything is allocated
// or read, so a file that lies gets InputError with one line naming the problem, never a read outside the file.
//
/// Example:
///   const GgufFile g = read_gguf("model.gguf");
///   const std::string arch = g.find("general.architecture")->s;          // "llama"
///   const auto layers = g.find(arch + ".block_count")->as_uint();        // 32
///   for (const GgufTensor& t : g.tensors) total += t.bytes;
#pragma once

#include <cstdint>      // std::uint32_t, std::uint64_t
#include <memory>       // std::shared_ptr
#include <optional>     // std::optional
#include <span>         // std::span
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

#include "numscope/io/ggml_types.h"
#include "numscope/io/tensor_io.h"

namespace numscope {

/// GGUF metadata value types (gguf.md `gguf_metadata_value_type`).
enum class GgufType : std::uint32_t {
  kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
  kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
std::string_view gguf_type_name(GgufType t);  // "u32", "string", "array", ...

/// One metadata value. Scalars are decoded; arrays of numbers stay in the file (`raw`, little-endian) and are
/// read element by element, so a vocabulary of 150,000 scores costs no copy.
struct GgufValue {
  GgufType type = GgufType::kU8;
  std::uint64_t u = 0;  // kU8, kU16, kU32, kU64, kBool (0 or 1)
  std::int64_t i = 0;   // kI8, kI16, kI32, kI64
  double f = 0;         // kF32, kF64: the stored value exactly
  std::string s;        // kString
  // Arrays:
  GgufType elem = GgufType::kU8;      // the element type
  std::uint64_t count = 0;            // the number of elements
  std::vector<std::string> strings;   // elem kString
  std::vector<GgufValue> arrays;      // elem kArray (nested arrays; the specification allows them)
  std::span<const unsigned char> raw; // any other elem: `count` elements as stored

  /// The value as a non-negative integer: any integer type holding one (not bool, not floats).
  std::optional<std::uint64_t> as_uint() const;
  /// The value as a signed integer when it fits int64.
  std::optional<std::int64_t> as_int() const;
  /// Any number (integers exactly up to 2^53).
  std::optional<double> as_double() const;
  /// Element k of an array of numbers or bools, as a double (k < count).
  double number_at(std::uint64_t k) const;
  /// A one-line display: the number, the string, or "[N x type]" for arrays.
  std::string text() const;
};

struct GgufKv {
  std::string key;
  GgufValue value;
};

/// One entry of the tensor table.
struct GgufTensor {
  std::string name;
  std::vector<std::uint64_t> ne;  // ggml order: ne[0] is the contiguous dimension (a row)
  const GgmlType* type = nullptr; // never null in a parsed file
  std::uint64_t offset = 0;       // relative to the data section, a multiple of the alignment
  std::uint64_t file_offset = 0;  // absolute: data_offset + offset
  std::uint64_t elements = 0;     // product of ne
  std::uint64_t bytes = 0;        // elements / block · bytes per block
  /// The shape in C order (ne reversed), as NumPy, PyTorch and safetensors write it.
  std::vector<std::uint64_t> shape() const;
};

struct GgufFile {
  std::shared_ptr<const MappedFile> file;  // keeps the mapping (and every `raw` span) alive; null for parse_gguf
  std::uint32_t version = 0;
  std::uint64_t alignment = 32;    // general.alignment, or 32
  std::uint64_t data_offset = 0;   // where the data section starts in the file
  std::vector<GgufKv> metadata;    // in file order, keys unique
  std::vector<GgufTensor> tensors; // in file order, names unique

  const GgufValue* find(std::string_view key) const;  // nullptr when absent
  const GgufTensor* find_tensor(std::string_view name) const;
  /// The bytes of a tensor (inside the file: checked when parsing).
  std::span<const unsigned char> data(const GgufTensor& t) const { return bytes.subspan(t.file_offset, t.bytes); }
  std::span<const unsigned char> bytes;  // the whole file
};

/// Whether the bytes start with the GGUF magic.
bool is_gguf(std::span<const unsigned char> bytes);

/// Parses a GGUF file held in memory (the caller keeps `bytes` alive); `name` names it in error messages.
/// Throws InputError naming the problem for anything that is not a well-formed GGUF v2 / v3 file.
GgufFile parse_gguf(std::span<const unsigned char> bytes, const std::string& name);

/// Parses the start of a GGUF file of `file_size` bytes: `head` holds at least its header, metadata and tensor
/// table (the web page reads no more of a multi-gigabyte file). The tensors are checked against `file_size`;
/// data() must not be called on the result. Throws InputError as parse_gguf does, also when `head` ends first.
GgufFile parse_gguf_head(std::span<const unsigned char> head, std::uint64_t file_size, const std::string& name);

/// Maps a file and parses it (the mapping stays alive with the result).
GgufFile read_gguf(const std::string& path);

}  // namespace numscope
