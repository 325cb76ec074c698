// --gguf against files written by the `gguf` package (scripts/make-gguf-models.py): numscope's bytes per ggml type
// must equal what gguf.GGUFReader reads (the .expect files), the architecture must come from the metadata, and
// broken files must be refused with one line.
#include <catch2/catch.hpp>

#include <array>       // std::array
#include <filesystem>  // std::filesystem
#include <fstream>     // std::ifstream, std::ofstream
#include <map>         // std::map
#include <sstream>     // std::istringstream
#include <string>      // std::string

#include "numscope/memory/estimate.h"
#include "numscope/memory/gguf_model.h"
#include "numscope/memory/kv_cache.h"
#include "numscope/support/ascii.h"
#include "numscope/support/error.h"

using namespace numscope;
using namespace numscope::memory;

namespace {

std::string file(const std::string& name) { return std::string(NUMSCOPE_MEMORY_GGUF) + "/" + name; }

struct Expect {
  std::map<std::string, std::array<std::uint64_t, 3>> types;  // lower-case type -> tensors, elements, bytes
  std::uint64_t elements = 0, bytes = 0;
};

Expect read_expect(const std::string& name) {
  Expect e;
  std::ifstream in(file(name));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream s(line);
    std::string kind;
    s >> kind;
    if (kind == "type") {
      std::string t;
      std::array<std::uint64_t, 3> v{};
      s >> t >> v[0] >> v[1] >> v[2];
      e.types[ascii_lower(t)] = v;
    } else if (kind == "total") {
      s >> e.elements >> e.bytes;
    }
  }
  return e;
}

}  // namespace

TEST_CASE("GGUF weights: every ggml type's bytes equal the gguf package's", "[memory][gguf]") {
  for (const char* name : {"tiny-llama", "tiny-gemma3", "tiny-deepseek2"}) {
    INFO(name);
    const Expect want = read_expect(std::string(name) + ".expect");
    REQUIRE(!want.types.empty());
    const GgufModel m = load_gguf_model(file(std::string(name) + ".gguf"));
    CHECK(m.elements == want.elements);
    CHECK(m.bytes == want.bytes);
    CHECK(m.by_type.size() == want.types.size());
    for (const GgufModel::TypeTotal& t : m.by_type) {
      INFO(t.type);
      REQUIRE(want.types.count(ascii_lower(t.type)) == 1);
      const auto& v = want.types.at(ascii_lower(t.type));
      CHECK(t.tensors == v[0]);
      CHECK(t.elements == v[1]);
      CHECK(t.bytes == v[2]);
    }
    // The estimate's weight rows are the file's bytes.
    CHECK(estimate(make_request({{"gguf", file(std::string(name) + ".gguf")}})).weights ==
          static_cast<double>(want.bytes));
  }
  // tiny-llama holds a tensor of every type the gguf package sizes (34 types).
  CHECK(load_gguf_model(file("tiny-llama.gguf")).by_type.size() >= 30);
}

TEST_CASE("GGUF metadata gives the architecture and its KV cache", "[memory][gguf][kv]") {
  const Architecture l = load_gguf_model(file("tiny-llama.gguf")).arch;
  CHECK(l.layers == 2);
  CHECK(l.kv_heads == 2);
  CHECK(l.head_dim == 64);
  CHECK(l.vocab == 64);
  CHECK(l.context_length == 4096);
  CHECK(kv_bytes_per_token(l, kv_format("bf16")) == 2.0 * 2 * 2 * 64 * 2);
  // Gemma 3: window 512, layers 5 and 11 global of 12.
  CHECK(estimate(make_request({{"gguf", file("tiny-gemma3.gguf")}, {"batch", "1"}, {"seq", "2000"}})).kv_cache ==
        (2.0 * 2000 + 10.0 * 512) * 2 * 1 * 128 * 2);
  // deepseek2: the MLA latent, 3 × (512 + 64) × 2 bytes per token.
  const Architecture d = load_gguf_model(file("tiny-deepseek2.gguf")).arch;
  CHECK(kv_bytes_per_token(d, kv_format("bf16")) == 3.0 * 576 * 2);
  CHECK(d.experts == 8);
  CHECK(d.experts_per_token == 2);
}

TEST_CASE("broken GGUF files are refused with one line", "[memory][gguf][errors]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "numscope-gguf-test";
  fs::create_directories(dir);
  std::ifstream in(file("tiny-llama.gguf"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t cut : {std::size_t{3}, std::size_t{24}, std::size_t{200}, bytes.size() / 2, bytes.size() - 40}) {
    INFO(cut);
    const fs::path p = dir / "cut.gguf";
    std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(cut));
    CHECK_THROWS_AS(load_gguf_model(p.string()), InputError);
  }
  // A GGUF whose metadata does not describe a transformer: no block_count.
  const fs::path p = dir / "nometa.gguf";
  std::string copy = bytes;
  const std::size_t at = copy.find("llama.block_count");
  REQUIRE(at != std::string::npos);
  copy[at + 6] = 'X';  // llama.Xlock_count
  std::ofstream(p, std::ios::binary).write(copy.data(), static_cast<std::streamsize>(copy.size()));
  CHECK_THROWS_WITH(load_gguf_model(p.string()), Catch::Contains("block_count"));
  fs::remove_all(dir);
}
