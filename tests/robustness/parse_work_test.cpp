// Parsers do work linear in their input: twice the members cost at most twice the counted work (SAX events),
// on real files through the real readers. No wall-clock assertion; ctest's TIMEOUT is only a guard.
#include <unistd.h>  // getpid

#include <catch2/catch.hpp>
#include <filesystem>  // std::filesystem::temp_directory_path
#include <fstream>     // std::ofstream
#include <string>      // std::string

#include "numscope/io/tensor_io.h"
#include "numscope/memory/model.h"
#include "numscope/support/json.h"

using namespace numscope;
namespace fs = std::filesystem;

namespace {

/// A safetensors file of `n` one-element F32 tensors, in data order.
fs::path many_tensors(std::size_t n) {
  std::string header = "{";
  for (std::size_t i = 0; i < n; ++i) {
    header += (i ? ",\"t" : "\"t") + std::to_string(i) + "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[" +
              std::to_string(4 * i) + "," + std::to_string(4 * i + 4) + "]}";
  }
  header += "}";
  const fs::path p = fs::temp_directory_path() / ("numscope_work_" + std::to_string(::getpid()) + "_" +
                                                  std::to_string(n) + ".safetensors");
  std::ofstream out(p, std::ios::binary);
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  out << header << std::string(4 * n, '\0');
  return p;
}

std::uint64_t events_of(auto&& f) {
  const std::uint64_t before = json_events_total();
  f();
  return json_events_total() - before;
}

}  // namespace

TEST_CASE("safetensors headers of 100,000 and 200,000 tensors: parser work at most doubles", "[robustness]") {
  const fs::path small = many_tensors(100000), large = many_tensors(200000);
  std::size_t tensors_small = 0, tensors_large = 0;
  const std::uint64_t w1 = events_of([&] { tensors_small = read_safetensors(small.string()).tensors.size(); });
  const std::uint64_t w2 = events_of([&] { tensors_large = read_safetensors(large.string()).tensors.size(); });
  fs::remove(small);
  fs::remove(large);
  CHECK(tensors_small == 100000);
  CHECK(tensors_large == 200000);
  CAPTURE(w1, w2);
  CHECK(w1 >= 100000);  // the counter counts: at least one event per tensor
  CHECK(w2 <= 2 * w1);
}

TEST_CASE("config.json with many members: parser work at most doubles", "[robustness]") {
  auto config = [](std::size_t extra) {
    std::string s = R"({"model_type":"llama","hidden_size":4096,"num_hidden_layers":32,"num_attention_heads":32,)"
                    R"("intermediate_size":11008,"vocab_size":32000)";
    for (std::size_t i = 0; i < extra; ++i) s += ",\"k" + std::to_string(i) + "\":{\"a\":" + std::to_string(i) + "}";
    return s + "}";
  };
  const std::string a = config(100000), b = config(200000);
  const std::uint64_t w1 = events_of([&] { memory::parse_config_json(a); });
  const std::uint64_t w2 = events_of([&] { memory::parse_config_json(b); });
  CAPTURE(w1, w2);
  CHECK(w1 >= 100000);
  CHECK(w2 <= 2 * w1);
}

TEST_CASE("parse_json: limits and duplicate keys", "[robustness]") {
  CHECK(parse_json(R"({"a":[1,{"b":null}],"a":2})", JsonLimits{})["a"] == 2);  // the last duplicate wins
  CHECK_THROWS_AS(parse_json(R"({"a":1,"a":2})", JsonLimits{.unique_keys_depth = 1}), JsonError);
  CHECK(parse_json(R"({"x":{"a":1,"a":2}})", JsonLimits{.unique_keys_depth = 1})["x"]["a"] == 2);
  CHECK_THROWS_AS(parse_json("[[[1]]]", JsonLimits{.max_depth = 2}), JsonError);
  CHECK(parse_json("[[1]]", JsonLimits{.max_depth = 2})[0][0] == 1);
  CHECK_THROWS_AS(parse_json("{\"a\":1} x", JsonLimits{}), JsonError);
  CHECK_THROWS_AS(parse_json("1e400", JsonLimits{}), JsonError);
  CHECK(parse_json("\"\\u00e9\"", JsonLimits{}) == "\xc3\xa9");
}
