// The GGUF parser (gguf.h): a bounds-checked cursor over the file's bytes, then the header, metadata, tensor
// table and data-section checks in file order.
#include "numscope/io/gguf.h"

#include <algorithm>  // std::sort, std::reverse
#include "numscope/support/bits.h"  // bit_cast
#include <cstring>    // std::memcpy
#include <set>        // std::set
#include <sstream>    // std::ostringstream

#include "numscope/support/error.h"

namespace numscope {
namespace {

// ggml's own limits (ggml.h, gguf.cpp), so that a file numscope accepts is one ggml can load.
constexpr std::uint32_t kMaxDims = 4;        // GGML_MAX_DIMS
constexpr std::size_t kMaxName = 63;         // GGML_MAX_NAME - 1 (64 bytes with the terminating NUL)
constexpr std::uint64_t kMaxKey = 65535;     // gguf.md: keys are at most 2^16 - 1 bytes
constexpr int kMaxNesting = 8;               // arrays of arrays: deeper is refused
constexpr std::uint64_t kMaxNestedArrays = 1 << 20;  // inner arrays in the whole file
constexpr std::uint64_t kDefaultAlignment = 32;      // GGUF_DEFAULT_ALIGNMENT

/// Bytes one element of a fixed-size type takes (0 for strings and arrays).
std::uint64_t fixed_size(GgufType t) {
  switch (t) {
    case GgufType::kU8: case GgufType::kI8: case GgufType::kBool: return 1;
    case GgufType::kU16: case GgufType::kI16: return 2;
    case GgufType::kU32: case GgufType::kI32: case GgufType::kF32: return 4;
    case GgufType::kU64: case GgufType::kI64: case GgufType::kF64: return 8;
    default: return 0;
  }
}
/// The fewest bytes an element of any type can take: strings 8 (their length), arrays 12 (type and count).
std::uint64_t min_size(GgufType t) {
  return t == GgufType::kString ? 8 : t == GgufType::kArray ? 12 : fixed_size(t);
}
bool valid_type(std::uint32_t t) { return t <= static_cast<std::uint32_t>(GgufType::kF64); }

std::uint64_t load_le(const unsigned char* p, std::uint64_t n) {
  std::uint64_t v = 0;
  for (std::uint64_t k = n; k-- > 0;) v = (v << 8) | p[k];
  return v;
}

/// Reads the file front to back; every read is checked against the bytes left, and every failure names the
/// file, what was being read and where.
class Cursor {
 public:
  Cursor(std::span<const unsigned char> b, const std::string& name) : b_(b), name_(name) {}
  std::uint64_t pos() const { return pos_; }
  std::uint64_t left() const { return b_.size() - pos_; }
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError("'" + name_ + "' is not a valid GGUF file: " + what);
  }
  std::uint64_t uint(std::uint64_t n, const char* what) {
    if (left() < n) fail("the file ends inside " + std::string(what) + " at byte " + std::to_string(pos_));
    const std::uint64_t v = load_le(b_.data() + pos_, n);
    pos_ += n;
    return v;
  }
  std::span<const unsigned char> take(std::uint64_t n, const std::string& what) {
    if (left() < n)
      fail(what + " claims " + std::to_string(n) + " bytes at byte " + std::to_string(pos_) + " but only " +
           std::to_string(left()) + " are left");
    const auto s = b_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  std::string string(const std::string& what, std::uint64_t max_len = ~std::uint64_t{0}) {
    const std::uint64_t n = uint(8, "a string length");
    if (n > max_len) fail(what + " is " + std::to_string(n) + " bytes long (at most " + std::to_string(max_len) + ")");
    const auto s = take(n, what);
    return std::string(s.begin(), s.end());
  }

 private:
  std::span<const unsigned char> b_;
  const std::string& name_;
  std::uint64_t pos_ = 0;
};

struct Reader {
  Cursor& c;
  std::uint64_t nested = 0;  // inner arrays read so far

  GgufType type(const std::string& what) {
    const std::uint32_t t = static_cast<std::uint32_t>(c.uint(4, "a value type"));
    if (!valid_type(t)) c.fail(what + " has value type " + std::to_string(t) + " (expected 0 to 12)");
    return static_cast<GgufType>(t);
  }
  GgufValue scalar(GgufType t, const std::string& what) {
    GgufValue v;
    v.type = t;
    const std::uint64_t n = fixed_size(t);
    const std::uint64_t bits = c.uint(n, "a value");
    switch (t) {
      case GgufType::kBool:
        if (bits > 1) c.fail(what + " is a bool holding " + std::to_string(bits) + " (expected 0 or 1)");
        v.u = bits;
        break;
      case GgufType::kU8: case GgufType::kU16: case GgufType::kU32: case GgufType::kU64: v.u = bits; break;
      case GgufType::kI8: v.i = static_cast<std::int8_t>(bits); break;
      case GgufType::kI16: v.i = static_cast<std::int16_t>(bits); break;
      case GgufType::kI32: v.i = static_cast<std::int32_t>(bits); break;
      case GgufType::kI64: v.i = static_cast<std::int64_t>(bits); break;
      case GgufType::kF32: v.f = bit_cast<float>(static_cast<std::uint32_t>(bits)); break;
      case GgufType::kF64: v.f = bit_cast<double>(bits); break;
      default: break;
    }
    return v;
  }
  GgufValue value(GgufType t, const std::string& what, int depth) {
    if (t == GgufType::kString) {
      GgufValue v;
      v.type = t;
      v.s = c.string(what);
      return v;
    }
    if (t != GgufType::kArray) return scalar(t, what);
    if (depth >= kMaxNesting) c.fail(what + " nests arrays deeper than " + std::to_string(kMaxNesting));
    GgufValue v;
    v.type = t;
    v.elem = type(what + "'s elements");
    v.count = c.uint(8, "an array length");
    // Every element takes at least min_size bytes, so a count the rest of the file cannot hold is a lie.
    if (v.count > c.left() / min_size(v.elem))
      c.fail(what + " claims " + std::to_string(v.count) + " elements of type " +
             std::string(gguf_type_name(v.elem)) + " but only " + std::to_string(c.left()) + " bytes are left");
    if (v.elem == GgufType::kString) {
      v.strings.reserve(v.count);
      for (std::uint64_t k = 0; k < v.count; ++k) v.strings.push_back(c.string(what + "[" + std::to_string(k) + "]"));
    } else if (v.elem == GgufType::kArray) {
      if (v.count > kMaxNestedArrays - nested)
        c.fail(what + " holds more than " + std::to_string(kMaxNestedArrays) + " nested arrays");
      nested += v.count;
      v.arrays.reserve(v.count);
      for (std::uint64_t k = 0; k < v.count; ++k)
        v.arrays.push_back(value(GgufType::kArray, what + "[" + std::to_string(k) + "]", depth + 1));
    } else {
      v.raw = c.take(v.count * fixed_size(v.elem), what);
      if (v.elem == GgufType::kBool)
        for (unsigned char b : v.raw)
          if (b > 1) c.fail(what + " is an array of bools holding " + std::to_string(b) + " (expected 0 or 1)");
    }
    return v;
  }
};

std::string quoted(const std::string& s) { return "'" + s + "'"; }

void read_metadata(Cursor& c, std::uint64_t count, GgufFile& g) {
  // A pair takes at least 13 bytes: an 8-byte key length, a 1-byte key, a 4-byte type (and a value).
  if (count > c.left() / 13)
    c.fail("the header claims " + std::to_string(count) + " metadata pairs but only " + std::to_string(c.left()) +
           " bytes are left");
  Reader r{c};
  std::set<std::string> seen;
  g.metadata.reserve(count);
  for (std::uint64_t k = 0; k < count; ++k) {
    GgufKv kv;
    kv.key = c.string("metadata key " + std::to_string(k), kMaxKey);
    if (kv.key.empty()) c.fail("metadata key " + std::to_string(k) + " is empty");
    if (!seen.insert(kv.key).second) c.fail("metadata key " + quoted(kv.key) + " appears twice");
    const std::string what = "metadata " + quoted(kv.key);
    kv.value = r.value(r.type(what), what, 0);
    g.metadata.push_back(std::move(kv));
  }
  if (const GgufValue* a = g.find("general.alignment")) {
    // ggml: a u32 power of two (gguf.cpp); it pads the tensor infos and every tensor offset.
    if (a->type != GgufType::kU32)
      c.fail("general.alignment is of type " + std::string(gguf_type_name(a->type)) + " (expected u32)");
    if (a->u == 0 || (a->u & (a->u - 1)) != 0)
      c.fail("general.alignment is " + std::to_string(a->u) + " (expected a power of two)");
    g.alignment = a->u;
  }
}

GgufTensor read_tensor_info(Cursor& c, std::uint64_t k) {
  GgufTensor t;
  const std::string idx = "tensor " + std::to_string(k);
  t.name = c.string(idx + "'s name");
  if (t.name.size() > kMaxName)
    c.fail(idx + "'s name is " + std::to_string(t.name.size()) + " bytes long (ggml allows at most 63)");
  const std::string what = idx + " (" + quoted(t.name) + ")";
  const std::uint64_t dims = c.uint(4, "a dimension count");
  if (dims > kMaxDims) c.fail(what + " has " + std::to_string(dims) + " dimensions (at most 4)");
  t.elements = 1;
  for (std::uint64_t d = 0; d < dims; ++d) {
    const std::uint64_t n = c.uint(8, "a dimension");
    // ggml holds sizes in int64_t and requires the element count to stay below INT64_MAX.
    if (n > static_cast<std::uint64_t>(INT64_MAX) || __builtin_mul_overflow(t.elements, n, &t.elements) ||
        t.elements >= static_cast<std::uint64_t>(INT64_MAX))
      c.fail(what + " has a shape whose element count overflows 63 bits");
    t.ne.push_back(n);
  }
  const std::uint32_t id = static_cast<std::uint32_t>(c.uint(4, "a tensor type"));
  t.type = find_ggml_type(id);
  if (!t.type)
    c.fail(what + " has ggml type " + std::to_string(id) + ", which is unknown or was removed from ggml");
  const std::uint64_t row = t.ne.empty() ? 1 : t.ne[0];
  if (row % t.type->block != 0)
    c.fail(what + " has rows of " + std::to_string(row) + " elements, not a multiple of " +
           std::string(t.type->name) + "'s block of " + std::to_string(t.type->block));
  const auto bytes = ggml_bytes(*t.type, t.elements);
  if (!bytes) c.fail(what + "'s size in bytes overflows 64 bits");
  t.bytes = *bytes;
  t.offset = c.uint(8, "a tensor offset");
  return t;
}

/// The tensors' places in the data section: aligned, inside the file, and not overlapping.
void check_tensor_data(const Cursor& c, GgufFile& g, std::uint64_t file_size) {
  const std::uint64_t data_size = file_size - std::min(file_size, g.data_offset);
  for (GgufTensor& t : g.tensors) {
    const std::string what = "tensor " + quoted(t.name);
    if (t.offset % g.alignment != 0)
      c.fail(what + " has offset " + std::to_string(t.offset) + ", not a multiple of the alignment " +
             std::to_string(g.alignment));
    if (g.data_offset > file_size || t.offset > data_size || t.bytes > data_size - t.offset)
      c.fail(what + " (" + std::to_string(t.bytes) + " bytes at offset " + std::to_string(t.offset) +
             " of the data section) lies past the end of the file (" + std::to_string(data_size) +
             " bytes of data)");
    t.file_offset = g.data_offset + t.offset;
  }
  std::vector<const GgufTensor*> order;
  for (const GgufTensor& t : g.tensors) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  for (std::size_t k = 1; k < order.size(); ++k)
    if (order[k - 1]->bytes > 0 && order[k - 1]->offset + order[k - 1]->bytes > order[k]->offset)
      c.fail("tensors " + quoted(order[k - 1]->name) + " and " + quoted(order[k]->name) + " overlap");
}

}  // namespace

std::string_view gguf_type_name(GgufType t) {
  static constexpr std::string_view kNames[] = {"u8",  "i8",     "u16",   "i16", "u32", "i32", "f32",
                                                "bool", "string", "array", "u64", "i64", "f64"};
  const auto k = static_cast<std::uint32_t>(t);
  return k < std::size(kNames) ? kNames[k] : "?";
}

std::optional<std::uint64_t> GgufValue::as_uint() const {
  switch (type) {
    case GgufType::kU8: case GgufType::kU16: case GgufType::kU32: case GgufType::kU64: return u;
    case GgufType::kI8: case GgufType::kI16: case GgufType::kI32: case GgufType::kI64:
      if (i >= 0) return static_cast<std::uint64_t>(i);
      return std::nullopt;
    default: return std::nullopt;
  }
}
std::optional<std::int64_t> GgufValue::as_int() const {
  if (type == GgufType::kI8 || type == GgufType::kI16 || type == GgufType::kI32 || type == GgufType::kI64) return i;
  if (const auto v = as_uint(); v && *v <= static_cast<std::uint64_t>(INT64_MAX)) return static_cast<std::int64_t>(*v);
  return std::nullopt;
}
std::optional<double> GgufValue::as_double() const {
  if (type == GgufType::kF32 || type == GgufType::kF64) return f;
  if (const auto v = as_uint()) return static_cast<double>(*v);
  if (const auto v = as_int()) return static_cast<double>(*v);
  return std::nullopt;
}
double GgufValue::number_at(std::uint64_t k) const {
  const std::uint64_t n = fixed_size(elem);
  if (type != GgufType::kArray || n == 0 || k >= count) return 0;
  const std::uint64_t bits = load_le(raw.data() + k * n, n);
  switch (elem) {
    case GgufType::kI8: return static_cast<std::int8_t>(bits);
    case GgufType::kI16: return static_cast<std::int16_t>(bits);
    case GgufType::kI32: return static_cast<std::int32_t>(bits);
    case GgufType::kI64: return static_cast<double>(static_cast<std::int64_t>(bits));
    case GgufType::kF32: return bit_cast<float>(static_cast<std::uint32_t>(bits));
    case GgufType::kF64: return bit_cast<double>(bits);
    default: return static_cast<double>(bits);
  }
}
std::string GgufValue::text() const {
  std::ostringstream o;
  switch (type) {
    case GgufType::kString: return s;
    case GgufType::kBool: return u ? "true" : "false";
    case GgufType::kArray: o << "[" << count << " x " << gguf_type_name(elem) << "]"; return o.str();
    case GgufType::kF32: case GgufType::kF64: o.precision(17); o << f; return o.str();
    case GgufType::kI8: case GgufType::kI16: case GgufType::kI32: case GgufType::kI64: return std::to_string(i);
    default: return std::to_string(u);
  }
}

std::vector<std::uint64_t> GgufTensor::shape() const { return std::vector<std::uint64_t>(ne.rbegin(), ne.rend()); }

const GgufValue* GgufFile::find(std::string_view key) const {
  for (const GgufKv& kv : metadata)
    if (kv.key == key) return &kv.value;
  return nullptr;
}
const GgufTensor* GgufFile::find_tensor(std::string_view name) const {
  for (const GgufTensor& t : tensors)
    if (t.name == name) return &t;
  return nullptr;
}

bool is_gguf(std::span<const unsigned char> b) {
  return b.size() >= 4 && b[0] == 'G' && b[1] == 'G' && b[2] == 'U' && b[3] == 'F';
}

GgufFile parse_gguf(std::span<const unsigned char> bytes, const std::string& name) {
  return parse_gguf_head(bytes, bytes.size(), name);
}

GgufFile parse_gguf_head(std::span<const unsigned char> bytes, std::uint64_t file_size, const std::string& name) {
  Cursor c(bytes, name);
  if (!is_gguf(bytes)) c.fail("it does not start with the magic bytes 'GGUF'");
  c.uint(4, "the magic");
  GgufFile g;
  g.bytes = bytes;
  g.version = static_cast<std::uint32_t>(c.uint(4, "the version"));
  if (g.version != 2 && g.version != 3) {
    // A big-endian file (allowed from v3 on) stores its version byte-swapped: 3 reads as 0x03000000.
    if ((g.version & 0xffff) == 0 && g.version != 0)
      c.fail("it is big-endian (version field 0x" + [&] {
        std::ostringstream o;
        o << std::hex << g.version;
        return o.str();
      }() + "); numscope reads little-endian GGUF only");
    c.fail("version " + std::to_string(g.version) + " is not supported (expected 2 or 3; version 1 was retired)");
  }
  const std::uint64_t n_tensors = c.uint(8, "the tensor count");
  const std::uint64_t n_kv = c.uint(8, "the metadata count");
  read_metadata(c, n_kv, g);
  // A tensor info takes at least 24 bytes: name length, n_dims, type, offset.
  if (n_tensors > c.left() / 24)
    c.fail("the header claims " + std::to_string(n_tensors) + " tensors but only " + std::to_string(c.left()) +
           " bytes are left for their infos");
  std::set<std::string> names;
  g.tensors.reserve(n_tensors);
  for (std::uint64_t k = 0; k < n_tensors; ++k) {
    g.tensors.push_back(read_tensor_info(c, k));
    if (!names.insert(g.tensors.back().name).second)
      c.fail("tensor name " + quoted(g.tensors.back().name) + " appears twice");
  }
  // The data section starts at the next multiple of the alignment (which may be past the end of a file
  // without tensors data).
  const std::uint64_t end = c.pos(), pad = (g.alignment - end % g.alignment) % g.alignment;
  g.data_offset = end + pad;
  check_tensor_data(c, g, std::max<std::uint64_t>(file_size, bytes.size()));
  return g;
}

GgufFile read_gguf(const std::string& path) {
  auto file = std::make_shared<const MappedFile>(path);
  GgufFile g = parse_gguf(std::span<const unsigned char>(file->data(), file->size()), path);
  g.file = std::move(file);
  return g;
}

}  // namespace numscope
