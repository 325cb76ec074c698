// read_imatrix and imatrix_weights (imatrix.h): both layouts of llama.cpp's importance-matrix files, every length
// checked against the bytes left before it is read.
#include "numscope/quantize/imatrix.h"

#include <cmath>    // std::isfinite, std::lround
#include <cstring>  // std::memcpy
#include <memory>   // std::make_shared

#include "numscope/io/gguf.h"
#include "numscope/io/tensor_io.h"
#include "numscope/quantize/names.h"
#include "numscope/support/error.h"

namespace numscope {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw InputError("--imatrix " + path + ": " + what);
}

void check_finite(const std::string& path, const std::string& name, const std::vector<float>& w) {
  for (float v : w)
    if (!std::isfinite(v)) fail(path, "the weights of '" + name + "' hold NaN or inf (llama-quantize refuses them too)");
}

/// The legacy binary layout, read with a bounds-checked cursor.
class Cursor {
 public:
  Cursor(std::span<const unsigned char> b, const std::string& path) : b_(b), path_(path) {}
  std::int32_t i32(const std::string& what) {
    need(4, what);
    std::int32_t v;
    std::memcpy(&v, b_.data() + at_, 4);
    at_ += 4;
    return v;
  }
  std::span<const unsigned char> bytes(std::uint64_t n, const std::string& what) {
    need(n, what);
    const auto s = b_.subspan(at_, n);
    at_ += n;
    return s;
  }
  bool done() const { return at_ == b_.size(); }

 private:
  void need(std::uint64_t n, const std::string& what) const {
    if (n > b_.size() - at_)
      fail(path_, what + " runs past the end of the file (neither a GGUF imatrix nor a legacy .dat one)");
  }
  std::span<const unsigned char> b_;
  std::uint64_t at_ = 0;
  const std::string& path_;
};

void read_legacy(std::span<const unsigned char> bytes, Imatrix& m) {
  Cursor c(bytes, m.path);
  const std::int32_t n = c.i32("the entry count");
  if (n < 1) fail(m.path, "no entries (a legacy imatrix starts with a positive i32 entry count)");
  for (std::int32_t e = 0; e < n; ++e) {
    const std::string at = "entry " + std::to_string(e + 1);
    const std::int32_t len = c.i32(at + "'s name length");
    if (len < 0) fail(m.path, at + " has a negative name length");
    const auto name_bytes = c.bytes(static_cast<std::uint64_t>(len), at + "'s name");
    std::string name(name_bytes.begin(), name_bytes.end());
    name = name.substr(0, name.find('\0'));  // llama.cpp reads the name as a C string
    const std::int32_t ncall = c.i32(at + "'s call count");
    const std::int32_t nval = c.i32(at + "'s value count");
    if (nval < 1) fail(m.path, at + " ('" + name + "') has no values");
    const auto raw = c.bytes(std::uint64_t(nval) * 4, at + "'s values");
    std::vector<float> w(static_cast<std::size_t>(nval));
    std::memcpy(w.data(), raw.data(), raw.size());
    if (ncall > 0)
      for (float& v : w) v = v / static_cast<float>(ncall);
    check_finite(m.path, name, w);
    m.entries[name] = {std::move(w), 1};  // a later entry of the same name replaces it, as in llama.cpp
  }
  if (c.done()) return;  // the chunk count and dataset name are optional
  m.chunk_count = static_cast<std::uint64_t>(std::max(0, c.i32("the chunk count")));
  if (c.done()) return;
  const std::int32_t len = c.i32("the dataset name length");
  if (len > 0) {
    const auto ds = c.bytes(static_cast<std::uint64_t>(len), "the dataset name");
    m.datasets.emplace_back(ds.begin(), ds.end());
  }
}

std::vector<float> f32_values(const GgufFile& g, const GgufTensor& t, const std::string& path) {
  if (t.type != &kGgmlF32) fail(path, "tensor '" + t.name + "' is " + std::string(t.type->name) + ", not F32");
  std::vector<float> v(t.elements);
  const auto d = g.data(t);
  std::memcpy(v.data(), d.data(), d.size());
  return v;
}

void read_gguf_imatrix(const GgufFile& g, Imatrix& m) {
  if (const GgufValue* ds = g.find("imatrix.datasets"); ds && ds->type == GgufType::kArray) m.datasets = ds->strings;
  if (const GgufValue* cc = g.find("imatrix.chunk_count")) m.chunk_count = cc->as_uint().value_or(0);
  for (const GgufTensor& t : g.tensors) {
    if (!t.name.ends_with(".in_sum2")) continue;
    const std::string name = t.name.substr(0, t.name.size() - 8);
    const GgufTensor* counts = g.find_tensor(name + ".counts");
    if (!counts) fail(m.path, "'" + t.name + "' has no '" + name + ".counts'");
    const std::vector<float> sums = f32_values(g, t, m.path), c = f32_values(g, *counts, m.path);
    if (c.empty() || sums.size() % c.size() != 0)
      fail(m.path, "'" + name + "' has " + std::to_string(sums.size()) + " sums for " + std::to_string(c.size()) +
                       " counts (a multiple was expected)");
    const std::size_t ne0 = sums.size() / c.size();
    std::vector<float> w(sums.size(), 1.0f);
    for (std::size_t j = 0; j < c.size(); ++j) {
      if (!std::isfinite(c[j])) fail(m.path, "'" + name + ".counts' holds NaN or inf");
      const float count = static_cast<float>(std::lround(c[j]));  // int64 in llama.cpp, then (float)
      if (count > 0.0f)
        for (std::size_t i = 0; i < ne0; ++i) w[j * ne0 + i] = sums[j * ne0 + i] / count;
    }
    check_finite(m.path, name, w);
    m.entries[name] = {std::move(w), c.size()};
  }
  for (const GgufTensor& t : g.tensors)
    if (t.name.ends_with(".counts") && !g.find_tensor(t.name.substr(0, t.name.size() - 7) + ".in_sum2"))
      fail(m.path, "'" + t.name + "' has no matching .in_sum2");
}

}  // namespace

Imatrix read_imatrix(const std::string& path) {
  Imatrix m;
  m.path = path;
  const auto file = std::make_shared<const MappedFile>(path);
  const std::span<const unsigned char> bytes(file->data(), file->size());
  if (is_gguf(bytes)) {
    read_gguf_imatrix(parse_gguf(bytes, path), m);
  } else {
    m.legacy = true;
    read_legacy(bytes, m);
  }
  if (m.entries.empty()) fail(path, "holds no importance weights (no NAME.in_sum2 / NAME.counts tensors)");
  return m;
}

ImportanceWeights imatrix_weights(const Imatrix& m, std::string_view tensor, std::span<const std::uint64_t> shape) {
  ImportanceWeights w;
  if (shape.empty()) return w;
  const std::optional<GgufName> g = gguf_name(tensor);
  auto it = m.entries.find(tensor);
  std::optional<std::uint64_t> expert;
  if (it == m.entries.end() && g) {
    it = m.entries.find(g->name);
    expert = g->expert;
  }
  if (it == m.entries.end()) return w;
  std::uint64_t elements = 1;
  for (std::uint64_t d : shape) elements *= d;
  w.ne0 = shape.back();
  w.ne1 = shape.size() >= 2 ? shape[shape.size() - 2] : 1;
  const std::uint64_t matrices = w.ne0 && w.ne1 ? elements / (w.ne0 * w.ne1) : 0;
  const std::vector<float>& all = it->second.weights;
  const std::string what = "--imatrix " + m.path + ": the weights of '" + it->first + "' (" +
                           std::to_string(all.size()) + " values) do not fit tensor '" + std::string(tensor) + "'";
  if (expert) {  // one expert of a merged 3-D entry: its run of ne0 weights
    if (w.ne0 == 0 || all.size() % w.ne0 != 0 || *expert >= all.size() / w.ne0 || matrices != 1)
      throw InputError(what + " as expert " + std::to_string(*expert) + " of rows of " + std::to_string(w.ne0));
    w.values.assign(all.begin() + static_cast<std::ptrdiff_t>(*expert * w.ne0),
                    all.begin() + static_cast<std::ptrdiff_t>((*expert + 1) * w.ne0));
    return w;
  }
  if (all.size() != w.ne0 * matrices)
    throw InputError(what + ": it needs " + std::to_string(w.ne0) + " per row × " + std::to_string(matrices) +
                     " matrices");
  w.values = all;
  return w;
}

}  // namespace numscope
