// Readers for .npy and .safetensors (mmap, validated before any data is touched), the .npy writer, synthetic data.
// Over 600 lines on purpose: both readers share the mapping, bounds and dtype checks kept here in one place.
#include "numscope/io/tensor_io.h"
#include "numscope/support/ascii.h"

#include <fcntl.h>     // open
#include <sys/mman.h>  // mmap, munmap
#include <sys/stat.h>  // fstat
#include <unistd.h>    // close

#include <algorithm>           // std::sort
#include <bit>                 // std::endian
#include <cctype>              // std::isdigit, std::isspace
#include <cmath>               // std::sqrt, std::log, std::cos
#include <cstring>             // std::memcpy, std::strerror
#include <nlohmann/json.hpp>   // nlohmann::json (the safetensors header)
#include <numbers>             // std::numbers::pi

#include "numscope/formats/engine.h"
#include "numscope/support/bits.h"  // bit_cast
#include "numscope/support/cpu.h"   // best_isa
#include "numscope/support/error.h"
#include "numscope/support/json.h"
#include "numscope/support/mapped_inputs.h"
#include "numscope/formats/registry.h"  // the rows kFp32, kBf16, kE4m3, ...

namespace numscope {
namespace {

std::uint64_t load_le(const unsigned char* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

/// Product of a shape; false on overflow of 64 bits.
bool shape_product(const std::vector<std::uint64_t>& shape, std::uint64_t& out) {
  out = 1;
  for (std::uint64_t d : shape)
    if (__builtin_mul_overflow(out, d, &out)) return false;
  return true;
}

/// Bytes of one element in the file: the row's container (fp64 8, fp32 4, fp16 / bf16 2, the 8-bit rows 1).
int dtype_bytes(DType t) { return container_bytes(*t); }

// Vectors of the GCC / Clang vector extension: __builtin_convertvector of 8 floats is one VCVTPS2PD (zmm) in
// an AVX-512 function, of 4 one VCVTPS2PD (ymm) with AVX2.
typedef float V8f __attribute__((vector_size(32)));
typedef double V8d __attribute__((vector_size(64)));
typedef float V4f __attribute__((vector_size(16)));
typedef double V4d __attribute__((vector_size(32)));

void widen_scalar(const unsigned char* in, double* out, std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i) {
    float f;
    std::memcpy(&f, in + 4 * i, 4);
    out[i] = static_cast<double>(f);
  }
}
#if defined(__x86_64__)
/// W floats at a time, the rest one by one.
template <class VF, class VD>
[[gnu::always_inline]] inline void widen_vectors(const unsigned char* in, double* out, std::uint64_t n) {
  constexpr std::uint64_t W = sizeof(VD) / sizeof(double);
  std::uint64_t i = 0;
  for (; i + W <= n; i += W) {
    VF f;
    std::memcpy(&f, in + 4 * i, sizeof f);
    const VD d = __builtin_convertvector(f, VD);
    std::memcpy(out + i, &d, sizeof d);
  }
  widen_scalar(in + 4 * i, out + i, n - i);
}
[[gnu::target("avx512f")]] void widen_avx512(const unsigned char* in, double* out, std::uint64_t n) {
  widen_vectors<V8f, V8d>(in, out, n);
}
[[gnu::target("avx2")]] void widen_avx2(const unsigned char* in, double* out, std::uint64_t n) {
  widen_vectors<V4f, V4d>(in, out, n);
}
#endif

/// Rows of a tensor stored in a mapped file: any supported dtype, either byte order, C or Fortran order.
class MappedSource : public RowSource {
 public:
  MappedSource(std::shared_ptr<const MappedFile> file, std::uint64_t offset, DType t, bool big_endian,
               bool fortran, std::vector<std::uint64_t> shape)
      : file_(std::move(file)), base_(file_->data() + offset), t_(t), big_(big_endian), fortran_(fortran),
        shape_(std::move(shape)) {
    rows_ = shape_.size() >= 2 ? shape_[0] : 1;
    cols_ = 1;
    for (std::size_t i = shape_.size() >= 2 ? 1 : 0; i < shape_.size(); ++i) cols_ *= shape_[i];
    if (rows_ == 0) cols_ = 0;
    fstride_.assign(shape_.size(), 1);
    for (std::size_t d = 1; d < shape_.size(); ++d) fstride_[d] = fstride_[d - 1] * shape_[d - 1];
    if (t_ != &kFp64 && t_ != &kFp32) table_ = &decode_table(*t_);  // the engine's, one per row
  }
  std::uint64_t rows() const override { return rows_; }
  std::uint64_t cols() const override { return cols_; }
  const unsigned char* fp32_bytes(std::uint64_t first, std::uint64_t) const override {
    const bool plain = t_ == &kFp32 && !big_ && (!fortran_ || shape_.size() < 2) && std::endian::native == std::endian::little;
    return plain ? base_ + 4 * first : nullptr;
  }
  void read_range(std::uint64_t first, std::uint64_t count, double* out) const override {
    const int size = dtype_bytes(t_);
    if (!big_ && (!fortran_ || shape_.size() < 2) && std::endian::native == std::endian::little) {
      // Contiguous little-endian data: plain loads, no per-element index arithmetic (the common case).
      const unsigned char* p = base_ + first * std::uint64_t(size);
      if (t_ == &kFp64) {
        std::memcpy(out, p, count * sizeof(double));
        return;
      }
      if (t_ == &kFp32) {
        widen_fp32(p, out, count);
        return;
      }
      const double* table = table_->data();
      if (size == 1) {
        for (std::uint64_t i = 0; i < count; ++i) out[i] = table[p[i]];
        return;
      }
      for (std::uint64_t i = 0; i < count; ++i) {
        std::uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = table[h];
      }
      return;
    }
    for (std::uint64_t e = first; e < first + count; ++e)
      *out++ = value(index(e / cols_, e % cols_) * std::uint64_t(size), size);
  }

 private:
  std::uint64_t index(std::uint64_t r, std::uint64_t c) const {
    if (!fortran_ || shape_.size() < 2) return r * cols_ + c;
    // Fortran order: offset = i0 + s0·(i1 + s1·(i2 + ...)); c is the C-order index over dimensions 1..k.
    std::uint64_t off = r;
    for (std::size_t d = shape_.size() - 1; d >= 1; --d) {
      off += (c % shape_[d]) * fstride_[d];
      c /= shape_[d];
    }
    return off;
  }
  double value(std::uint64_t at, int size) const {
    const unsigned char* p = base_ + at;
    std::uint64_t bits = 0;
    if (big_)
      for (int i = 0; i < size; ++i) bits = (bits << 8) | p[i];
    else
      bits = load_le(p, size);
    if (t_ == &kFp64) return bit_cast<double>(bits);
    if (t_ == &kFp32) return static_cast<double>(bit_cast<float>(static_cast<std::uint32_t>(bits)));
    return (*table_)[bits];
  }

  std::shared_ptr<const MappedFile> file_;
  const unsigned char* base_;
  DType t_;
  bool big_, fortran_;
  std::vector<std::uint64_t> shape_;
  std::uint64_t rows_ = 0, cols_ = 0;
  std::vector<std::uint64_t> fstride_;  // Fortran strides in elements
  const std::vector<double>* table_ = nullptr;
};

// ---- .npy header: a Python dict literal --------------------------------------------------------------------

struct NpyHeader {
  std::string descr;
  bool fortran = false;
  std::vector<std::uint64_t> shape;
  bool has_descr = false, has_fortran = false, has_shape = false;
};

class DictParser {
 public:
  DictParser(std::string_view s, const std::string& path) : s_(s), path_(path) {}
  NpyHeader parse() {
    NpyHeader h;
    expect('{');
    while (true) {
      skip();
      if (peek() == '}') break;
      const std::string key = string();
      expect(':');
      skip();
      if (key == "descr") {
        h.descr = string();
        h.has_descr = true;
      } else if (key == "fortran_order") {
        h.fortran = boolean();
        h.has_fortran = true;
      } else if (key == "shape") {
        h.shape = tuple();
        h.has_shape = true;
      } else {
        fail("unexpected key '" + key + "'");
      }
      skip();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      skip();
      if (peek() != '}') fail("expected ',' or '}'");
    }
    if (!h.has_descr || !h.has_fortran || !h.has_shape) fail("the header needs descr, fortran_order and shape");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& why) {
    throw InputError(path_ + ": malformed .npy header (" + why + "): expected a dict like {'descr': '<f4', " +
                     "'fortran_order': False, 'shape': (3, 4), }");
  }
  void skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  char peek() { return i_ < s_.size() ? s_[i_] : '\0'; }
  void expect(char c) {
    skip();
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }
  std::string string() {
    skip();
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string");
    const std::size_t end = s_.find(q, i_ + 1);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string out(s_.substr(i_ + 1, end - i_ - 1));
    i_ = end + 1;
    return out;
  }
  bool boolean() {
    if (s_.substr(i_, 4) == "True") {
      i_ += 4;
      return true;
    }
    if (s_.substr(i_, 5) == "False") {
      i_ += 5;
      return false;
    }
    fail("fortran_order must be True or False");
  }
  std::vector<std::uint64_t> tuple() {
    expect('(');
    std::vector<std::uint64_t> out;
    while (true) {
      skip();
      if (peek() == ')') {
        ++i_;
        return out;
      }
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("shape entries must be non-negative integers");
      std::uint64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        if (__builtin_mul_overflow(v, 10u, &v) || __builtin_add_overflow(v, std::uint64_t(s_[i_] - '0'), &v))
          throw InputError(path_ + ": a shape entry overflows 64 bits");
        ++i_;
      }
      if (peek() == 'L') ++i_;  // Python 2 long literals
      out.push_back(v);
      skip();
      if (peek() == ',') ++i_;
      else if (peek() != ')') fail("expected ',' or ')' in the shape");
    }
  }

  std::string_view s_;
  const std::string& path_;
  std::size_t i_ = 0;
};

struct StDtype {
  std::string_view name;
  int bits;
  std::optional<DType> read;  // nullopt: a valid safetensors dtype the quantizer does not read
};
// safetensors Dtype enum (safetensors/src/tensor.rs) with each type's size in bits.
constexpr StDtype kStDtypes[] = {
    {"BOOL", 8, std::nullopt},  {"F4", 4, std::nullopt},   {"F6_E2M3", 6, std::nullopt},
    {"F6_E3M2", 6, std::nullopt}, {"U8", 8, std::nullopt}, {"I8", 8, std::nullopt},
    {"F8_E5M2", 8, &kE5m2}, {"F8_E4M3", 8, &kE4m3}, {"F8_E8M0", 8, &kE8m0},
    {"F8_E4M3FNUZ", 8, &kE4m3fnuz}, {"F8_E5M2FNUZ", 8, &kE5m2fnuz}, {"I16", 16, std::nullopt},
    {"U16", 16, std::nullopt}, {"F16", 16, &kFp16}, {"BF16", 16, &kBf16},
    {"I32", 32, std::nullopt}, {"U32", 32, std::nullopt}, {"F32", 32, &kFp32},
    {"C64", 64, std::nullopt}, {"F64", 64, &kFp64}, {"I64", 64, std::nullopt},
    {"U64", 64, std::nullopt},
};

std::uint64_t splitmix(std::uint64_t& state) {
  Rng r{state};
  const std::uint64_t v = r.next();
  state = r.state;
  return v;
}
double uniform01(std::uint64_t& state) {  // (0, 1): 53 random bits, never 0
  return (double(splitmix(state) >> 11) + 0.5) * 0x1.0p-53;
}

}  // namespace

// ---- MappedFile -----------------------------------------------------------------------------------------------

MappedFile::MappedFile(const std::string& path) : path_(path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw InputError("cannot open '" + path + "': " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw InputError("'" + path + "' is not a regular file: expected a .npy, .safetensors or .gguf file");
  }
  size_ = static_cast<std::uint64_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      throw InputError("cannot map '" + path + "': " + std::strerror(errno));
    }
    data_ = static_cast<const unsigned char*>(p);
    ::madvise(p, size_, MADV_SEQUENTIAL);
    slot_ = register_mapping(p, size_, path);
  }
  ::close(fd);
}
MappedFile::~MappedFile() {
  unregister_mapping(slot_);
  if (data_) ::munmap(const_cast<unsigned char*>(data_), size_);
}

std::string_view dtype_name(DType t) {
  for (const StDtype& d : kStDtypes)
    if (d.read == t) return d.name;
  return "?";
}

DType parse_dtype(std::string_view s) {
  const std::string k = ascii_lower(s);
  struct A {
    std::string_view a;
    DType t;
  };
  static constexpr A kNames[] = {{"f64", &kFp64},        {"fp64", &kFp64},     {"float64", &kFp64},
                                 {"f32", &kFp32},        {"fp32", &kFp32},     {"float32", &kFp32},
                                 {"f16", &kFp16},        {"fp16", &kFp16},     {"float16", &kFp16},
                                 {"bf16", &kBf16},      {"bfloat16", &kBf16}, {"e4m3", &kE4m3},
                                 {"f8_e4m3", &kE4m3}, {"float8_e4m3fn", &kE4m3},
                                 {"e5m2", &kE5m2},    {"f8_e5m2", &kE5m2},
                                 {"float8_e5m2", &kE5m2}, {"e4m3fnuz", &kE4m3fnuz},
                                 {"f8_e4m3fnuz", &kE4m3fnuz}, {"e5m2fnuz", &kE5m2fnuz},
                                 {"f8_e5m2fnuz", &kE5m2fnuz}, {"e8m0", &kE8m0},
                                 {"f8_e8m0", &kE8m0}};
  for (const A& a : kNames)
    if (a.a == k) return a.t;
  throw InputError("unknown dtype '" + std::string(s) + "': expected f64, f32, f16, bf16, e4m3, e5m2, e4m3fnuz, " +
                   "e5m2fnuz or e8m0");
}

// ---- .npy ---------------------------------------------------------------------------------------------------------

TensorEntry read_npy(const std::string& path, std::optional<DType> override_dtype) {
  auto file = std::make_shared<const MappedFile>(path);
  const unsigned char* p = file->data();
  const std::uint64_t size = file->size();
  static constexpr unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (size < 6 || std::memcmp(p, kMagic, 6) != 0) throw InputError(path + ": not a .npy file (no \\x93NUMPY magic)");
  if (size < 10)
    throw InputError(path + ": not a .npy file: truncated (" + std::to_string(size) + " bytes)");
  const int major = p[6];
  if (major < 1 || major > 3)
    throw InputError(path + ": .npy version " + std::to_string(major) + "." + std::to_string(p[7]) +
                     " is not supported: expected 1.0, 2.0 or 3.0");
  const int len_bytes = major == 1 ? 2 : 4;
  if (size < 8u + len_bytes) throw InputError(path + ": .npy file ends inside its header length");
  const std::uint64_t hlen = load_le(p + 8, len_bytes), start = 8 + len_bytes;
  if (hlen > size - start)
    throw InputError(path + ": .npy header length " + std::to_string(hlen) + " points past the end of the file (" +
                     std::to_string(size) + " bytes)");
  const std::string_view text(reinterpret_cast<const char*>(p + start), hlen);
  const NpyHeader h = DictParser(text, path).parse();
  // descr: byte order ('<' little, '>' big, '|' not applicable, '=' native) + kind + item size.
  const std::string& d = h.descr;
  if (d.size() < 3 || (d[0] != '<' && d[0] != '>' && d[0] != '|' && d[0] != '='))
    throw InputError(path + ": unsupported dtype '" + d + "': expected <f2, <f4, <f8 (or big-endian >f2 ...)");
  const bool big = d[0] == '>';
  const std::string kind = d.substr(1);
  DType t;
  if (kind == "f2") t = &kFp16;
  else if (kind == "f4") t = &kFp32;
  else if (kind == "f8") t = &kFp64;
  else if ((kind == "V2" || kind == "V1" || kind == "f1") && override_dtype) t = *override_dtype;
  else if (kind == "V2" || kind == "V1" || kind == "f1")
    throw InputError(path + ": dtype '" + d + "' (ml_dtypes bfloat16 / float8) needs --dtype bf16|e4m3|e5m2 to say " +
                     "which type it holds");
  else
    throw InputError(path + ": unsupported dtype '" + d + "': expected float16 <f2, float32 <f4 or float64 <f8");
  if (override_dtype && (kind == "V2" || kind == "V1" || kind == "f1")) {
    if (dtype_bytes(*override_dtype) != std::stoi(kind.substr(1)))
      throw InputError(path + ": --dtype " + std::string(dtype_name(*override_dtype)) + " does not match the " +
                       "item size of '" + d + "'");
  }
  TensorEntry e;
  e.name = path;
  e.dtype = d;
  e.shape = h.shape;
  std::uint64_t bytes = 0;
  if (!shape_product(h.shape, e.elements) || __builtin_mul_overflow(e.elements, std::uint64_t(dtype_bytes(t)), &bytes))
    throw InputError(path + ": the shape's element count overflows 64 bits");
  const std::uint64_t data_start = start + hlen;
  if (bytes > size - data_start)
    throw InputError(path + ": the shape needs " + std::to_string(bytes) + " data bytes but the file holds " +
                     std::to_string(size - data_start));
  e.bytes = bytes;
  e.source = std::make_shared<MappedSource>(file, data_start, t, big, h.fortran, h.shape);
  return e;
}

// ---- safetensors --------------------------------------------------------------------------------------------------

// A safetensors header is an object of objects holding arrays: 3 levels. Deeper nesting is refused.
constexpr int kMaxHeaderDepth = 16;

namespace {

InputError safetensors_error(const std::string& path, const std::string& why) {
  return InputError(path + ": invalid safetensors file: " + why);
}

/// The JSON header of a safetensors file of `size` bytes at `p`; `n` is set to its length.
nlohmann::json safetensors_header(const std::string& path, const unsigned char* p, std::uint64_t size,
                                  std::uint64_t& n) {
  auto bad = [&](const std::string& why) { return safetensors_error(path, why); };
  if (size < 8) throw bad("shorter than its 8-byte header length");
  n = load_le(p, 8);
  if (n > 100000000) throw bad("header length " + std::to_string(n) + " exceeds the 100,000,000-byte limit");
  if (n > size - 8)
    throw bad("header length " + std::to_string(n) + " points past the end of the file (" + std::to_string(size) +
              " bytes)");
  if (n < 2 || p[8] != '{') throw bad("the header must be a JSON object starting with '{'");
  nlohmann::json j;
  // While parsing (linear in the header, support/json.h): refuse nesting deeper than any header needs (memory
  // grows with depth) and duplicate tensor names (a JSON object would silently keep the last one).
  try {
    j = parse_json(std::string_view(reinterpret_cast<const char*>(p + 8), n),
                   JsonLimits{.max_depth = kMaxHeaderDepth, .unique_keys_depth = 1});
  } catch (const JsonError& ex) {
    if (ex.kind == JsonError::Kind::kDepth)
      throw bad("the header is nested more than " + std::to_string(kMaxHeaderDepth) + " levels deep");
    if (ex.kind == JsonError::Kind::kDuplicateKey) throw bad("duplicate tensor name '" + ex.detail + "'");
    throw bad(std::string("the header is ") + ex.what());
  }
  if (!j.is_object()) throw bad("the header must be a JSON object");
  return j;
}

/// One tensor's header entry, checked against the data section of `data_size` bytes; `b` and `en` are set to its
/// data_offsets. The data start at file offset `data_start`.
TensorEntry safetensors_entry(const std::string& path, const std::shared_ptr<const MappedFile>& file,
                              const std::string& name, const nlohmann::json& v, std::uint64_t data_start,
                              std::uint64_t data_size, std::uint64_t& b, std::uint64_t& en) {
  auto bad = [&](const std::string& why) { return safetensors_error(path, why); };
  if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
    throw bad("tensor '" + name + "' needs dtype, shape and data_offsets");
  if (!v["dtype"].is_string()) throw bad("tensor '" + name + "': dtype must be a string");
  const std::string dt = v["dtype"].get<std::string>();
  const StDtype* st = nullptr;
  for (const StDtype& d : kStDtypes)
    if (d.name == dt) st = &d;
  if (!st) throw bad("tensor '" + name + "' has unknown dtype '" + dt + "'");
  TensorEntry e;
  e.name = name;
  e.dtype = dt;
  if (!v["shape"].is_array()) throw bad("tensor '" + name + "': shape must be an array");
  for (const auto& d : v["shape"]) {
    if (!d.is_number_unsigned()) throw bad("tensor '" + name + "': shape entries must be non-negative integers");
    e.shape.push_back(d.get<std::uint64_t>());
  }
  const auto& off = v["data_offsets"];
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
    throw bad("tensor '" + name + "': data_offsets must be [begin, end] non-negative integers");
  b = off[0].get<std::uint64_t>(), en = off[1].get<std::uint64_t>();
  if (b > en) throw bad("tensor '" + name + "': data_offsets begin > end");
  if (en > data_size)
    throw bad("tensor '" + name + "': data_offsets end " + std::to_string(en) + " points past the data (" +
              std::to_string(data_size) + " bytes)");
  std::uint64_t bits = 0;
  if (!shape_product(e.shape, e.elements) || __builtin_mul_overflow(e.elements, std::uint64_t(st->bits), &bits))
    throw bad("tensor '" + name + "': the shape's element count overflows 64 bits");
  if (bits % 8 != 0 || bits / 8 != en - b)
    throw bad("tensor '" + name + "': " + std::to_string(e.elements) + " elements of " + dt + " need " +
              (bits % 8 ? std::to_string(bits) + " bits" : std::to_string(bits / 8) + " bytes") + " but data_offsets " +
              "span " + std::to_string(en - b));
  e.bytes = en - b;
  if (st->read) e.source = std::make_shared<MappedSource>(file, data_start + b, *st->read, false, false, e.shape);
  else e.unsupported = "dtype " + dt + " is not supported: expected F32, F16, BF16, F64, F8_E4M3, F8_E5M2, " +
                       "F8_E4M3FNUZ, F8_E5M2FNUZ or F8_E8M0";
  return e;
}

struct Span {
  std::uint64_t begin, end;
  std::size_t index;
};

/// The tensors in the order of their data, which must tile the data section exactly (no hole, no overlap).
std::vector<TensorEntry> in_data_order(const std::string& path, std::vector<TensorEntry>& tensors,
                                       std::vector<Span>& spans, std::uint64_t data_size) {
  auto bad = [&](const std::string& why) { return safetensors_error(path, why); };
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t cursor = 0;
  for (const Span& s : spans) {
    if (s.begin != cursor)
      throw bad("tensor '" + tensors[s.index].name + "' starts at " + std::to_string(s.begin) + " but " +
                (s.begin > cursor ? "the data before it ends at " : "the previous tensor ends at ") +
                std::to_string(cursor) + " (" + (s.begin > cursor ? "a hole" : "an overlap") + ")");
    cursor = s.end;
  }
  if (cursor != data_size)
    throw bad("the tensors end at data offset " + std::to_string(cursor) + " but the file holds " +
              std::to_string(data_size) + " data bytes");
  std::vector<TensorEntry> ordered;
  for (const Span& s : spans) ordered.push_back(std::move(tensors[s.index]));
  return ordered;
}

}  // namespace

SafetensorsFile read_safetensors(const std::string& path) {
  auto file = std::make_shared<const MappedFile>(path);
  const std::uint64_t size = file->size();
  std::uint64_t n = 0;
  const nlohmann::json j = safetensors_header(path, file->data(), size, n);
  const std::uint64_t data_size = size - 8 - n;
  SafetensorsFile out;
  std::vector<Span> spans;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) throw safetensors_error(path, "__metadata__ must be an object of strings");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string())
          throw safetensors_error(path, "__metadata__ value of '" + m.key() + "' is not a string");
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    std::uint64_t b = 0, en = 0;
    TensorEntry e = safetensors_entry(path, file, name, v, 8 + n, data_size, b, en);
    spans.push_back({b, en, out.tensors.size()});
    out.tensors.push_back(std::move(e));
  }
  out.tensors = in_data_order(path, out.tensors, spans, data_size);
  return out;
}

std::vector<TensorEntry> merge_shards(std::vector<std::pair<std::string, std::vector<TensorEntry>>> shards) {
  std::map<std::string, std::size_t> first;  // tensor name -> the shard that holds it
  std::map<std::string, std::size_t> files;  // path -> its shard
  std::vector<TensorEntry> all;
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const std::string& file = shards[i].first;
    if (const auto [it, fresh] = files.emplace(file, i); !fresh)
      throw InputError("'" + file + "' is given twice: each --input names another shard");
    for (TensorEntry& e : shards[i].second) {
      const auto [it, fresh] = first.emplace(e.name, i);
      if (!fresh)
        throw InputError("tensor '" + e.name + "' is in both '" + shards[it->second].first + "' and '" + file +
                         "': shards of one checkpoint hold each tensor once (which one is meant?)");
      all.push_back(std::move(e));
    }
  }
  return all;
}

std::vector<TensorEntry> read_tensor_file(const std::string& path, std::optional<DType> override_dtype) {
  {
    const MappedFile f(path);
    static constexpr unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    const bool npy = f.size() >= 6 && std::memcmp(f.data(), kMagic, 6) == 0;
    const bool st = f.size() >= 9 && f.data()[8] == '{';
    if (!npy && !st)
      throw InputError(path + ": not a .npy, .safetensors or GGUF file (no \\x93NUMPY or GGUF magic, nor an " +
                       "8-byte header length followed by '{')");
    if (npy) return {read_npy(path, override_dtype)};
  }
  return read_safetensors(path).tensors;
}

// ---- NpyWriter ----------------------------------------------------------------------------------------------------

NpyWriter::NpyWriter(const std::string& path, const std::vector<std::uint64_t>& shape, const std::string& what)
    : file_(path, what) {
  std::string dims;
  for (std::uint64_t d : shape) dims += std::to_string(d) + ", ";
  if (shape.size() > 1) dims.resize(dims.size() - 2);
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (" + dims + "), }";
  // Version 1.0: magic, 1, 0, u16 length; the data starts at a multiple of 64 (numpy.lib.format).
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  if (header.size() > 65535) throw InputError("the .npy header for this shape is too long");
  if (!shape_product(shape, expected_)) throw InputError("the shape's element count overflows 64 bits");
  const unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                                 static_cast<unsigned char>(header.size() & 0xff),
                                 static_cast<unsigned char>(header.size() >> 8)};
  file_.write(pre, 10);
  file_.write(header.data(), header.size());
}
void NpyWriter::write(const double* values, std::uint64_t count) {
  if (count > expected_ - written_)
    throw InputError("cannot write '" + file_.path() + "': more elements than its shape holds");
  unsigned char le[8 * 1024];
  for (std::uint64_t done = 0; done < count;) {
    const std::uint64_t n = std::min<std::uint64_t>(count - done, 1024);
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::uint64_t b = bit_cast<std::uint64_t>(values[done + i]);
      for (int k = 0; k < 8; ++k) le[8 * i + k] = static_cast<unsigned char>((b >> (8 * k)) & 0xff);
    }
    file_.write(le, 8 * n);
    done += n;
  }
  written_ += count;
}
void NpyWriter::commit() {
  if (written_ != expected_)
    throw InputError("cannot write '" + file_.path() + "': " + std::to_string(written_) + " of " +
                     std::to_string(expected_) + " elements were produced");
  file_.commit();
}

// ---- Synthetic tensors --------------------------------------------------------------------------------------------

namespace {

/// A parsed --synthetic spec: the distribution and its keys (defaults where the spec leaves them out).
struct SyntheticSpec {
  std::string dist;
  std::uint64_t n = 65536, rows = 0, cols = 0, seed = 0;
  double sigma = 1, nu = 3, out_frac = 0, out_mag = 0;
  bool has_n = false;
};

InputError synthetic_error(std::string_view spec, const std::string& why) {
  return InputError("bad --synthetic '" + std::string(spec) + "' (" + why + "): expected " +
                    "normal|laplace|uniform|student-t[:n=N,shape=ROWSxCOLS,sigma=S,nu=V,outliers=FRACTION:MAGNITUDE," +
                    "seed=K]");
}

/// One key=value of the spec into `out`.
void apply_synthetic_key(SyntheticSpec& out, const std::string& k, const std::string& v, std::string_view spec) {
  auto bad = [&](const std::string& why) { return synthetic_error(spec, why); };
  auto number = [&](const std::string& key, const std::string& text) {
    const std::optional<double> d = parse_finite_double(text);
    if (!d) throw bad(key + " must be a number");
    return *d;
  };
  auto integer = [&](const std::string& key, const std::string& text) {
    if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos)
      throw bad(key + " must be a non-negative integer");
    return static_cast<std::uint64_t>(std::stoull(text));
  };
  if (k == "n") {
    out.n = integer(k, v);
    out.has_n = true;
  } else if (k == "shape") {
    const std::size_t x = v.find('x');
    if (x == std::string::npos) throw bad("shape is ROWSxCOLS");
    out.rows = integer(k, v.substr(0, x));
    out.cols = integer(k, v.substr(x + 1));
  } else if (k == "sigma") {
    out.sigma = number(k, v);
    if (!(out.sigma > 0)) throw bad("sigma must be positive");
  } else if (k == "nu") {
    out.nu = number(k, v);
    if (!(out.nu > 0) || out.nu > 1e6) throw bad("nu must be positive");
  } else if (k == "outliers") {
    const std::size_t c = v.find(':');
    if (c == std::string::npos) throw bad("outliers is FRACTION:MAGNITUDE");
    out.out_frac = number(k, v.substr(0, c));
    out.out_mag = number(k, v.substr(c + 1));
    if (out.out_frac < 0 || out.out_frac > 1) throw bad("the outlier fraction goes from 0 to 1");
  } else if (k == "seed") {
    out.seed = integer(k, v);
  } else {
    throw bad("unknown key '" + k + "'");
  }
}

SyntheticSpec parse_synthetic(std::string_view spec) {
  const std::string s = ascii_lower(spec);
  const std::size_t colon = s.find(':');
  SyntheticSpec out;
  out.dist = s.substr(0, colon);
  const std::string& dist = out.dist;
  if (dist != "normal" && dist != "laplace" && dist != "uniform" && dist != "student-t")
    throw synthetic_error(spec, "unknown distribution '" + dist + "'");
  if (colon != std::string::npos) {
    std::size_t i = colon + 1;
    while (i <= s.size()) {
      std::size_t end = s.find(',', i);
      if (end == std::string::npos) end = s.size();
      const std::string kv = s.substr(i, end - i);
      i = end + 1;
      const std::size_t eq = kv.find('=');
      if (eq == std::string::npos) throw synthetic_error(spec, "'" + kv + "' is not key=value");
      apply_synthetic_key(out, kv.substr(0, eq), kv.substr(eq + 1), spec);
    }
  }
  if (out.rows || out.cols) {
    if (!out.rows || !out.cols) throw synthetic_error(spec, "shape needs two positive sizes");
    if (out.has_n && out.n != out.rows * out.cols) throw synthetic_error(spec, "n does not match the shape");
    if (out.rows > (1ull << 28) || out.cols > (1ull << 28)) throw synthetic_error(spec, "at most 2^28 elements");
    out.n = out.rows * out.cols;
  } else {
    out.rows = 1;
    out.cols = out.n;
  }
  if (out.n == 0 || out.n > (1ull << 28)) throw synthetic_error(spec, "n goes from 1 to 2^28");
  return out;
}

/// The seeded generator of a synthetic tensor: its draws, in this order, are the tensor (reproducible by seed).
struct SyntheticDraws {
  std::uint64_t st;
  double normal() {  // Box-Muller, one value per pair of uniforms (simple and reproducible)
    const double u1 = uniform01(st), u2 = uniform01(st);
    return std::sqrt(-2 * std::log(u1)) * std::cos(2 * std::numbers::pi * u2);
  }
  double gamma(double shape) {  // Marsaglia-Tsang (2000); shape < 1 boosted by U^(1/shape)
    const double a = shape < 1 ? shape + 1 : shape;
    const double d = a - 1.0 / 3, c = 1 / std::sqrt(9 * d);
    double g;
    while (true) {
      double z, v;
      do {
        z = normal();
        v = 1 + c * z;
      } while (v <= 0);
      v = v * v * v;
      const double u = uniform01(st);
      if (std::log(u) < 0.5 * z * z + d - d * v + d * std::log(v)) {
        g = d * v;
        break;
      }
    }
    return shape < 1 ? g * std::pow(uniform01(st), 1 / shape) : g;
  }
  /// One value of unit variance (of the distribution named; Student's t with nu <= 2 has none and is not scaled).
  double unit(const std::string& dist, double nu) {
    if (dist == "normal") return normal();
    if (dist == "laplace") {  // inverse CDF, scale 1/sqrt(2) for unit variance
      const double u = uniform01(st) - 0.5;
      return -(u < 0 ? -1 : 1) * std::log(1 - 2 * std::fabs(u)) / std::sqrt(2.0);
    }
    if (dist == "uniform") return (2 * uniform01(st) - 1) * std::sqrt(3.0);  // [-sqrt(3), sqrt(3)): unit variance
    // Student's t = N / sqrt(chi2_nu / nu), scaled to unit variance when nu > 2
    double z = normal() / std::sqrt(2 * gamma(nu / 2) / nu);
    if (nu > 2) z /= std::sqrt(nu / (nu - 2));
    return z;
  }
};

}  // namespace

SyntheticTensor make_synthetic(std::string_view spec) {
  const SyntheticSpec sp = parse_synthetic(spec);
  const std::uint64_t n = sp.n;
  SyntheticDraws draw{sp.seed ^ 0x5eed5eed5eed5eedULL};
  std::vector<double> data(n);
  for (double& v : data) v = draw.unit(sp.dist, sp.nu) * sp.sigma;
  // Outliers: round(FRACTION·n) distinct positions (partial Fisher-Yates), each ±MAGNITUDE·sigma.
  const std::uint64_t k = static_cast<std::uint64_t>(std::llround(sp.out_frac * double(n)));
  if (k > 0) {
    std::vector<std::uint64_t> idx(n);
    for (std::uint64_t i = 0; i < n; ++i) idx[i] = i;
    for (std::uint64_t i = 0; i < k; ++i) {
      const std::uint64_t j = i + splitmix(draw.st) % (n - i);
      std::swap(idx[i], idx[j]);
      data[idx[i]] = (splitmix(draw.st) & 1 ? -1.0 : 1.0) * sp.out_mag * sp.sigma;
    }
  }
  for (double& v : data) v = static_cast<double>(static_cast<float>(v));  // stored as fp32
  SyntheticTensor t;
  t.name = std::string(spec);
  t.shape = sp.rows > 1 ? std::vector<std::uint64_t>{sp.rows, sp.cols} : std::vector<std::uint64_t>{n};
  t.source = std::make_shared<const MemorySource>(std::move(data), sp.rows, sp.cols);
  return t;
}

void widen_fp32(const unsigned char* in, double* out, std::uint64_t n) {
#if defined(__x86_64__)
  static const Isa isa = best_isa();
  if (isa >= Isa::kAvx512) return widen_avx512(in, out, n);
  if (isa >= Isa::kAvx2) return widen_avx2(in, out, n);
#endif
  widen_scalar(in, out, n);
}

}  // namespace numscope
