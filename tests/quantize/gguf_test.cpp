// The GGUF parser, the ggml type table and GGUF tensor reading against independent sources: ggml's own type
// traits (types.txt), files written by the `gguf` package and what its GGUFReader and dequantizers read from them
// (*.expect), and hostile files built here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "numscope/io/gguf.h"
#include "numscope/quantize/gguf_source.h"
#include "numscope/support/error.h"

using namespace numscope;

namespace {

const std::string kDir = NUMSCOPE_GGML_GOLDEN;

std::vector<unsigned char> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
}

/// A GGUF file assembled field by field (little-endian), for the lies a writer would never produce.
struct Builder {
  std::vector<unsigned char> b;
  Builder& u32(std::uint64_t v) { return put(v, 4); }
  Builder& u64(std::uint64_t v) { return put(v, 8); }
  Builder& put(std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) b.push_back(static_cast<unsigned char>(v >> (8 * i)));
    return *this;
  }
  Builder& str(const std::string& s) {
    u64(s.size());
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  Builder& header(std::uint64_t tensors, std::uint64_t kvs, std::uint32_t version = 3) {
    b = {'G', 'G', 'U', 'F'};
    return u32(version).u64(tensors).u64(kvs);
  }
  Builder& tensor(const std::string& name, std::vector<std::uint64_t> ne, std::uint32_t type, std::uint64_t off) {
    str(name).u32(ne.size());
    for (auto d : ne) u64(d);
    return u32(type).u64(off);
  }
  Builder& pad(std::size_t align = 32) {
    while (b.size() % align) b.push_back(0);
    return *this;
  }
  Builder& zeros(std::size_t n) {
    b.insert(b.end(), n, 0);
    return *this;
  }
};

std::string parse_error(const std::vector<unsigned char>& b) {
  try {
    parse_gguf(b, "x.gguf");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string first_element(const GgufValue& v) {
  if (v.count == 0) return "";
  if (v.elem == GgufType::kString) return " " + v.strings[0];
  if (v.elem == GgufType::kArray) return "";
  const double x = v.number_at(0);
  if (v.elem == GgufType::kBool) return x != 0 ? " true" : " false";
  return " " + std::to_string(static_cast<long long>(x));
}

/// gguf-py's type names (GGUFValueType) for ours.
std::string py_type(GgufType t) {
  static const std::map<GgufType, std::string> m = {
      {GgufType::kU8, "uint8"},   {GgufType::kI8, "int8"},       {GgufType::kU16, "uint16"}, {GgufType::kI16, "int16"},
      {GgufType::kU32, "uint32"}, {GgufType::kI32, "int32"},     {GgufType::kF32, "float32"}, {GgufType::kBool, "bool"},
      {GgufType::kString, "string"}, {GgufType::kArray, "array"}, {GgufType::kU64, "uint64"}, {GgufType::kI64, "int64"},
      {GgufType::kF64, "float64"}};
  return m.at(t);
}

}  // namespace

TEST_CASE("ggml types: every row equals ggml's own type traits", "[gguf]") {
  std::ifstream in(kDir + "/types.txt");
  REQUIRE(in);
  std::string line;
  int seen = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::uint32_t id, block, bytes;
    std::string name;
    ls >> id >> name >> block >> bytes;
    CAPTURE(line);
    const GgmlType* t = find_ggml_type(id);
    if (name == "removed") {
      CHECK(t == nullptr);
      continue;
    }
    REQUIRE(t != nullptr);
    CHECK(t->name == name);
    CHECK(t->block == block);
    CHECK(t->bytes == bytes);
    CHECK(find_ggml_type(name) == t);
    ++seen;
  }
  CHECK(seen == static_cast<int>(ggml_types().size()));
  CHECK(find_ggml_type("Q4_K") == &kGgmlQ4_K);
  CHECK(find_ggml_type(999u) == nullptr);
  CHECK(ggml_bytes(kGgmlQ4_K, 512) == 288u);
  CHECK(!ggml_bytes(kGgmlQ4_K, 100));
  CHECK(!ggml_bytes(kGgmlQ8_0, ~std::uint64_t{0} / 32 * 32));
}

TEST_CASE("gguf: files written by the gguf package read as its GGUFReader reads them", "[gguf]") {
  for (const std::string name : {"tiny-v3", "align64-v2"}) {
    CAPTURE(name);
    const GgufFile g = read_gguf(kDir + "/gguf/" + name + ".gguf");
    std::ifstream in(kDir + "/gguf/" + name + ".expect");
    REQUIRE(in);
    std::string line;
    std::size_t kv = 0, tensor = 0;
    while (std::getline(in, line)) {
      CAPTURE(line);
      std::istringstream ls(line);
      std::string what;
      ls >> what;
      if (what == "version") {
        std::uint32_t v;
        ls >> v;
        CHECK(g.version == v);
      } else if (what == "alignment") {
        std::uint64_t v;
        ls >> v;
        CHECK(g.alignment == v);
      } else if (what == "data_offset") {
        std::uint64_t v;
        ls >> v;
        CHECK(g.data_offset == v);
      } else if (what == "kv") {
        std::string key, type, rest;
        ls >> key >> type;
        std::getline(ls, rest);
        REQUIRE(kv < g.metadata.size());
        const GgufKv& e = g.metadata[kv++];
        CHECK(e.key == key);
        CHECK(py_type(e.value.type) == type);
        if (e.value.type == GgufType::kArray) {
          std::istringstream rs(rest);
          std::string elem;
          std::uint64_t count;
          rs >> elem >> count;
          CHECK(py_type(e.value.elem) == elem);
          CHECK(e.value.count == count);
          std::string first;
          std::getline(rs, first);
          if (e.value.elem == GgufType::kF32 || e.value.elem == GgufType::kF64)
            CHECK(e.value.number_at(0) == std::stod(first));
          else if (e.value.elem != GgufType::kArray)
            CHECK(first_element(e.value) == first);
        } else if (e.value.type == GgufType::kF32 || e.value.type == GgufType::kF64) {
          CHECK(e.value.f == std::stod(rest));  // shortest round-trip text: the same double
        } else {
          CHECK(rest.substr(std::min<std::size_t>(1, rest.size())) == e.value.text());
        }
      } else if (what == "tensor") {
        std::string tname, type, ne;
        std::uint64_t off, bytes;
        ls >> tname >> type >> ne >> off >> bytes;
        REQUIRE(tensor < g.tensors.size());
        const GgufTensor& t = g.tensors[tensor++];
        CHECK(t.name == tname);
        CHECK(t.type->name == type);
        std::string got;
        for (std::size_t d = 0; d < t.ne.size(); ++d) {
          if (d) got += ',';
          got += std::to_string(t.ne[d]);
        }
        CHECK(got == ne);
        CHECK(t.offset == off);
        CHECK(t.bytes == bytes);
      }
    }
    CHECK(kv == g.metadata.size());
    CHECK(tensor == g.tensors.size());
    // The values a memory estimate needs, through the documented API.
    CHECK(g.find("general.architecture")->s == "llama");
    CHECK(g.find("llama.block_count")->as_uint() == 2u);
    CHECK(g.find("test.i8")->as_uint() == std::nullopt);
    CHECK(g.find("test.i8")->as_int() == -100);
    CHECK(g.find("test.u64")->as_uint() == 9223372036854775813ull);
    CHECK(g.find("test.u64")->as_int() == std::nullopt);
    CHECK(g.find("test.array_nested")->arrays.at(0).count == 2);
    CHECK(g.find("test.array_nested")->arrays.at(1).number_at(0) == 3);
    CHECK(g.find("tokenizer.ggml.tokens")->strings.at(3) == "world");
    CHECK(g.find("tokenizer.ggml.scores")->number_at(3) == -3.75);
    const GgufTensor* norm = g.find_tensor("blk.0.attn_norm.weight");
    REQUIRE(norm);
    CHECK(norm->shape() == std::vector<std::uint64_t>{64});
    const auto data = g.data(*norm);
    float one;
    std::memcpy(&one, data.data() + 63 * 4, 4);
    CHECK(one == 1.0f);
    CHECK(g.find_tensor("blk.1.ffn_down.weight")->shape() == std::vector<std::uint64_t>{3, 64});
  }
}

TEST_CASE("gguf tensors read as gguf-py's dequantizers read them, every type", "[gguf]") {
  const std::vector<TensorEntry> tensors = read_tensors(kDir + "/gguf/types-v3.gguf");
  std::ifstream in(kDir + "/gguf/types-v3.expect");
  REQUIRE(in);
  std::string line;
  int checked = 0;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string what, name, hash;
    ls >> what >> name >> hash;
    if (what != "deq") continue;
    CAPTURE(name);
    const auto it = std::find_if(tensors.begin(), tensors.end(), [&](const TensorEntry& e) { return e.name == name; });
    REQUIRE(it != tensors.end());
    REQUIRE(it->source);
    CHECK(it->dtype == name);
    CHECK(it->shape == std::vector<std::uint64_t>{2, 256});
    REQUIRE(it->source->rows() * it->source->cols() == 512);
    // Read in uneven pieces that start inside blocks: the same values as one read.
    std::vector<double> y(512);
    for (std::uint64_t first = 0, n = 1; first < 512; first += n, n = n * 3 % 97 + 1)
      it->source->read_range(first, std::min<std::uint64_t>(n, 512 - first), y.data() + first);
    std::vector<float> f(y.begin(), y.end());
    for (std::size_t i = 0; i < y.size(); ++i) REQUIRE(double(f[i]) == y[i]);
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (std::size_t i = 0; i < f.size() * 4; ++i) h = (h ^ reinterpret_cast<const unsigned char*>(f.data())[i]) * 0x100000001b3ull;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    CHECK(std::string(hex) == hash);
    ++checked;
  }
  CHECK(checked == 17);
  // Types numscope cannot decode are listed with the reason, and other containers still read.
  CHECK(read_tensors(kDir + "/gguf/tiny-v3.gguf").size() == 6);
}

TEST_CASE("gguf: every truncation and byte change of a real file is read in bounds or refused", "[gguf]") {
  const std::vector<unsigned char> good = slurp(kDir + "/gguf/tiny-v3.gguf");
  const GgufFile g = parse_gguf(good, "tiny");
  std::uint64_t data_end = 0;
  for (const GgufTensor& t : g.tensors) data_end = std::max(data_end, t.file_offset + t.bytes);
  for (std::size_t n = 0; n < good.size(); ++n) {
    CAPTURE(n);
    const std::vector<unsigned char> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    if (n < data_end) CHECK(!parse_error(cut).empty());
    else CHECK(parse_error(cut).empty());
  }
  // Random byte changes in the header, metadata and tensor infos: parsed (every tensor inside the file) or refused.
  std::mt19937_64 rng(5);
  for (int k = 0; k < 3000; ++k) {
    std::vector<unsigned char> b = good;
    const int changes = 1 + static_cast<int>(rng() % 3);
    for (int c = 0; c < changes; ++c) b[rng() % g.data_offset] = static_cast<unsigned char>(rng());
    try {
      const GgufFile h = parse_gguf(b, "x");
      for (const GgufTensor& t : h.tensors) {
        REQUIRE(t.file_offset <= b.size());
        REQUIRE(t.bytes <= b.size() - t.file_offset);
      }
    } catch (const InputError&) {
    }
  }
}

TEST_CASE("gguf: hostile files get one line naming the lie", "[gguf]") {
  auto err = [](const Builder& b) { return parse_error(b.b); };
  using Catch::Contains;
  CHECK_THAT(parse_error({'G', 'G', 'U'}), Contains("magic"));
  CHECK_THAT(err(Builder().header(0, 0, 1)), Contains("version 1 is not supported"));
  CHECK_THAT(err(Builder().header(0, 0, 0x03000000)), Contains("big-endian"));
  CHECK_THAT(err(Builder().header(0, 0, 4)), Contains("expected 2 or 3"));
  CHECK(err(Builder().header(0, 0)).empty());
  CHECK(err(Builder().header(0, 0, 2)).empty());
  CHECK_THAT(err(Builder().header(~0ull, 0)), Contains("claims 18446744073709551615 tensors"));
  CHECK_THAT(err(Builder().header(0, 1ull << 40)), Contains("metadata pairs"));
  // Strings and arrays whose lengths lie.
  CHECK_THAT(err(Builder().header(0, 1).u64(~0ull).zeros(16)), Contains("metadata key 0"));
  CHECK_THAT(err(Builder().header(0, 1).str("k").u32(8).u64(1ull << 62)), Contains("claims 4611686018427387904"));
  CHECK_THAT(err(Builder().header(0, 1).str("k").u32(9).u32(6).u64(1ull << 61)), Contains("elements of type f32"));
  CHECK_THAT(err(Builder().header(0, 1).str("k").u32(9).u32(8).u64(1ull << 60)), Contains("elements of type string"));
  CHECK_THAT(err(Builder().header(0, 1).str("k").u32(13)), Contains("value type 13"));
  CHECK_THAT(err(Builder().header(0, 1).str("k").u32(7).put(2, 1)), Contains("bool holding 2"));
  CHECK_THAT(err(Builder().header(0, 1).str("").u32(4).u32(1)), Contains("empty"));
  CHECK_THAT(err(Builder().header(0, 2).str("k").u32(4).u32(1).str("k").u32(4).u32(1)), Contains("appears twice"));
  Builder deep = Builder().header(0, 1).str("k").u32(9);
  for (int d = 0; d < 10; ++d) deep.u32(9).u64(1);
  CHECK_THAT(err(deep), Contains("deeper"));
  // Alignment.
  CHECK_THAT(err(Builder().header(0, 1).str("general.alignment").u32(4).u32(0)), Contains("power of two"));
  CHECK_THAT(err(Builder().header(0, 1).str("general.alignment").u32(4).u32(48)), Contains("power of two"));
  CHECK_THAT(err(Builder().header(0, 1).str("general.alignment").u32(10).u64(32)), Contains("(expected u32)"));
  // Tensor infos.
  auto one_tensor = [](std::vector<std::uint64_t> ne, std::uint32_t type, std::uint64_t off, std::size_t data) {
    Builder b = Builder().header(1, 0).tensor("w", ne, type, off);
    return b.pad().zeros(data);
  };
  CHECK(err(one_tensor({32, 2}, 8, 0, 68)).empty());
  CHECK_THAT(err(one_tensor({32, 2}, 8, 0, 67)), Contains("lies past the end"));
  CHECK_THAT(err(one_tensor({32, 2}, 8, 32, 68)), Contains("lies past the end"));
  CHECK_THAT(err(one_tensor({32, 2}, 8, 16, 100)), Contains("not a multiple of the alignment 32"));
  CHECK_THAT(err(one_tensor({30, 2}, 8, 0, 68)), Contains("not a multiple of q8_0's block of 32"));
  CHECK_THAT(err(one_tensor({32, 2}, 4, 0, 68)), Contains("ggml type 4"));
  CHECK_THAT(err(one_tensor({32, 2}, 99, 0, 68)), Contains("ggml type 99"));
  CHECK_THAT(err(one_tensor({1, 1, 1, 1, 1}, 0, 0, 4)), Contains("5 dimensions"));
  CHECK_THAT(err(one_tensor({1ull << 32, 1ull << 32}, 0, 0, 4)), Contains("overflows 63 bits"));
  CHECK_THAT(err(one_tensor({~0ull}, 0, 0, 4)), Contains("overflows 63 bits"));
  CHECK_THAT(err(one_tensor({1ull << 62}, 0, 0, 4)), Contains("overflows 64 bits"));
  CHECK_THAT(err(one_tensor({1ull << 62}, 0, ~0ull / 32 * 32, 4)), Contains("overflows 64 bits"));
  CHECK_THAT(err(one_tensor({4}, 0, ~0ull / 32 * 32, 4)), Contains("lies past the end"));
  Builder name = Builder().header(1, 0).tensor(std::string(64, 'n'), {1}, 0, 0);
  CHECK_THAT(err(name.pad().zeros(4)), Contains("at most 63"));
  Builder twice = Builder().header(2, 0).tensor("a", {8}, 0, 0).tensor("a", {8}, 0, 32);
  CHECK_THAT(err(twice.pad().zeros(64)), Contains("appears twice"));
  Builder overlap = Builder().header(2, 0).tensor("a", {16}, 0, 0).tensor("b", {8}, 0, 32);
  CHECK_THAT(err(overlap.pad().zeros(64)), Contains("overlap"));
  Builder apart = Builder().header(2, 0).tensor("a", {8}, 0, 32).tensor("b", {8}, 0, 0);
  CHECK(err(apart.pad().zeros(64)).empty());
  // Every message is one line.
  CHECK(err(overlap.pad().zeros(64)).find('\n') == std::string::npos);
}
