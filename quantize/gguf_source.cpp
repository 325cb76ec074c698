// GGUF tensor sources (gguf_source.h): a RowSource over a tensor's bytes in the mapping that decodes whole blocks
// with the type's dequantizer (ggml's to_float) and hands out the elements asked for.
#include "numscope/support/bits.h"  // bit_cast (libc++ 14 has no std::bit_cast)
#include "numscope/quantize/gguf_source.h"

#include <algorithm>  // std::min, std::copy
#include <cstring>    // std::memcpy, std::memcmp
#include <memory>     // std::make_shared

#include "numscope/io/gguf.h"
#include "numscope/quantize/codec.h"
#include "numscope/quantize/ggml/ggml.h"

namespace numscope {
namespace {

using detail::GgmlCodec;

/// How the elements of one plain type are read.
enum class Plain { kNone, kF32, kF16, kBF16, kF64 };
Plain plain_of(const GgmlType& t) {
  if (&t == &kGgmlF32) return Plain::kF32;
  if (&t == &kGgmlF16) return Plain::kF16;
  if (&t == &kGgmlBF16) return Plain::kBF16;
  if (&t == &kGgmlF64) return Plain::kF64;
  return Plain::kNone;
}

class GgufSource : public RowSource {
 public:
  GgufSource(std::shared_ptr<const MappedFile> file, const GgufTensor& t, const GgmlCodec* codec)
      : file_(std::move(file)), data_(file_->data() + t.file_offset), type_(*t.type), codec_(codec),
        plain_(plain_of(*t.type)) {
    const std::vector<std::uint64_t> shape = t.shape();
    rows_ = shape.size() >= 2 ? shape[0] : 1;
    cols_ = rows_ == 0 ? 0 : t.elements / rows_;
  }
  std::uint64_t rows() const override { return rows_; }
  std::uint64_t cols() const override { return cols_; }
  void read_range(std::uint64_t first, std::uint64_t count, double* out) const override {
    if (plain_ != Plain::kNone) return read_plain(first, count, out);
    // Blocks tile the flat element order (every row is whole blocks): decode each block that the range touches.
    const std::uint64_t qk = type_.block;
    float buf[256];
    for (std::uint64_t i = first; i < first + count;) {
      const std::uint64_t b = i / qk, off = i - b * qk, n = std::min(qk - off, first + count - i);
      codec_->dequantize(data_ + b * type_.bytes, buf);
      for (std::uint64_t k = 0; k < n; ++k) out[i - first + k] = buf[off + k];
      i += n;
    }
  }

 private:
  void read_plain(std::uint64_t first, std::uint64_t count, double* out) const {
    const unsigned char* p = data_ + first * type_.bytes;
    for (std::uint64_t i = 0; i < count; ++i, p += type_.bytes) {
      switch (plain_) {
        case Plain::kF32: {
          float f;
          std::memcpy(&f, p, 4);
          out[i] = f;
          break;
        }
        case Plain::kF64: std::memcpy(&out[i], p, 8); break;
        case Plain::kF16: out[i] = detail::fp16_bits_to_float(static_cast<std::uint16_t>(p[0] | p[1] << 8)); break;
        default: out[i] = bit_cast<float>(static_cast<std::uint32_t>(p[0] | p[1] << 8) << 16); break;  // bf16
      }
    }
  }

  std::shared_ptr<const MappedFile> file_;
  const unsigned char* data_;
  const GgmlType& type_;
  const GgmlCodec* codec_;
  Plain plain_;
  std::uint64_t rows_ = 0, cols_ = 0;
};

}  // namespace

std::vector<TensorEntry> read_gguf_tensors(const std::string& path) {
  const GgufFile g = read_gguf(path);
  std::vector<TensorEntry> out;
  for (const GgufTensor& t : g.tensors) {
    TensorEntry e;
    e.name = t.name;
    e.dtype = std::string(t.type->name);
    e.shape = t.shape();
    e.elements = t.elements;
    e.bytes = t.bytes;
    const GgmlCodec* codec = detail::find_ggml_codec(static_cast<int>(t.type->id));
    if (codec || plain_of(*t.type) != Plain::kNone)
      e.source = std::make_shared<GgufSource>(g.file, t, codec);
    else
      e.unsupported = "ggml type " + std::string(t.type->name) + " is not one numscope can dequantize (" +
                      "f32, f16, bf16, f64, q4_0 ... q6_K, iq4_nl, iq4_xs, mxfp4, nvfp4)";
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<TensorEntry> read_tensors(const std::string& path, std::optional<DType> override_dtype) {
  bool gguf;
  {
    const MappedFile f(path);
    gguf = is_gguf(std::span<const unsigned char>(f.data(), f.size()));
  }
  return gguf ? read_gguf_tensors(path) : read_tensor_file(path, override_dtype);
}

}  // namespace numscope
