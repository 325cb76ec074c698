// libFuzzer target: the safetensors reader (header length, JSON header, dtypes, shapes, data_offsets, tiling).
//
// Properties: read_safetensors returns or throws InputError; in an accepted file every tensor lies inside the file
// (checked independently: the fuzzer parses the header itself and checks each tensor's data_offsets against the
// file size), the tensors tile the data in order with no hole or overlap, names are unique, each tensor's byte
// span equals elements · dtype size, and small tensors are read whole.
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

#include "numscope/support/error.h"
#include "numscope/io/tensor_io.h"
#include "tests/fuzz/fuzz_io.h"

using namespace numscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = fuzz::scratch(data, size, ".safetensors");
  SafetensorsFile f;
  try {
    f = read_safetensors(path);
  } catch (const InputError&) {
    return 0;
  }
  auto fail = [](const std::string& what) { fuzz::fail("fuzz_safetensors", what); };
  if (size < 8) fail("accepted a file shorter than 8 bytes");
  const std::uint64_t n = fuzz::load_le(data, 8);
  if (n > size - 8) fail("accepted a header past the end of the file");
  const std::uint64_t data_size = size - 8 - n;

  // The fuzzer's own reading of the header: the offsets the file claims.
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(data + 8, data + 8 + n);
  } catch (const nlohmann::json::exception& e) {
    fail(std::string("accepted a header nlohmann rejects: ") + e.what());
  }
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> offsets;
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "__metadata__")
      offsets[it.key()] = {it.value()["data_offsets"][0].get<std::uint64_t>(),
                           it.value()["data_offsets"][1].get<std::uint64_t>()};
  if (offsets.size() != f.tensors.size()) fail("tensor count differs from the header's");

  std::set<std::string> names;
  std::uint64_t cursor = 0;
  for (const TensorEntry& e : f.tensors) {
    if (!names.insert(e.name).second) fail("duplicate tensor name '" + e.name + "'");
    const auto it = offsets.find(e.name);
    if (it == offsets.end()) fail("tensor '" + e.name + "' is not in the header");
    const auto [begin, end] = it->second;
    if (begin > end || end > data_size) fail("tensor '" + e.name + "' lies outside the file");
    if (begin != cursor) fail("tensors do not tile the data at '" + e.name + "'");
    cursor = end;
    unsigned __int128 product = 1;
    for (std::uint64_t d : e.shape) {
      product *= d;
      if (product > ~std::uint64_t{0}) fail("accepted a shape whose product overflows 64 bits");
    }
    if (product != e.elements) fail("element count is not the shape's product");
    if (e.source) {
      const std::uint64_t rows = e.source->rows(), cols = e.source->cols();
      if (e.elements > 0 && static_cast<unsigned __int128>(rows) * cols != e.elements)
        fail("rows · cols is not the element count");
      const std::uint64_t item = e.dtype == "F64" ? 8 : e.dtype == "F32" ? 4 : (e.dtype == "F16" || e.dtype == "BF16") ? 2 : 1;
      if (static_cast<unsigned __int128>(e.elements) * item != end - begin)
        fail("tensor '" + e.name + "': byte span is not elements · item size");
      if (e.elements > 0 && e.elements <= (1u << 16)) {
        std::vector<double> values(e.elements);
        e.source->read_rows(0, rows, values.data());
      }
    }
  }
  if (cursor != data_size) fail("the tensors do not cover the data");
  return 0;
}
