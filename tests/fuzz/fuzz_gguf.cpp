// libFuzzer target: the GGUF parser (io/gguf.h): header, metadata of every value type, nested arrays, tensor table,
// alignment and the data section.
//
// Properties: read_gguf returns or throws InputError; in an accepted file every tensor's bytes lie inside the file
// at an offset that is a multiple of the alignment (a power of two), no two tensors overlap, names and keys are
// unique, each tensor's byte count is elements / block · bytes per block of its ggml type, and every metadata value
// and tensor byte can be read (ASan checks that the reads stay in bounds).
#include <algorithm>
#include <set>
#include <vector>

#include "numscope/io/gguf.h"
#include "numscope/support/error.h"
#include "tests/fuzz/fuzz_io.h"

using namespace numscope;

namespace {

double touch(const GgufValue& v) {
  double sum = static_cast<double>(v.s.size());
  for (std::uint64_t k = 0; k < v.count && v.elem != GgufType::kString && v.elem != GgufType::kArray; ++k)
    sum += v.number_at(k);
  for (const std::string& s : v.strings) sum += static_cast<double>(s.size());
  for (const GgufValue& a : v.arrays) sum += touch(a);
  return sum;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = fuzz::scratch(data, size, ".gguf");
  GgufFile g;
  try {
    g = read_gguf(path);
  } catch (const InputError&) {
    return 0;
  }
  auto fail = [](const std::string& what) { fuzz::fail("fuzz_gguf", what); };
  if (size < 24 || !is_gguf(g.bytes)) fail("accepted a file without the GGUF header");
  if (g.version != 2 && g.version != 3) fail("accepted version " + std::to_string(g.version));
  if (g.alignment == 0 || (g.alignment & (g.alignment - 1)) != 0) fail("alignment is not a power of two");
  std::set<std::string> keys, names;
  volatile double sink = 0;
  for (const GgufKv& kv : g.metadata) {
    if (!keys.insert(kv.key).second) fail("duplicate key '" + kv.key + "'");
    sink = sink + touch(kv.value);
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
  for (const GgufTensor& t : g.tensors) {
    if (!names.insert(t.name).second) fail("duplicate tensor '" + t.name + "'");
    if (t.type == nullptr) fail("a tensor without a type");
    unsigned __int128 elements = 1;
    for (std::uint64_t d : t.ne) elements *= d;
    if (elements != t.elements) fail("element count is not the product of ne");
    if (static_cast<unsigned __int128>(t.elements) / t.type->block * t.type->bytes != t.bytes)
      fail("byte count is not elements / block * bytes");
    if (t.offset % g.alignment != 0) fail("offset not aligned");
    if (t.file_offset != g.data_offset + t.offset) fail("file offset is not data offset + offset");
    if (t.file_offset > size || t.bytes > size - t.file_offset) fail("tensor '" + t.name + "' lies outside the file");
    std::uint64_t sum = 0;
    for (unsigned char b : g.data(t)) sum += b;
    sink = sink + static_cast<double>(sum);
    if (t.bytes > 0) spans.emplace_back(t.offset, t.offset + t.bytes);
  }
  std::sort(spans.begin(), spans.end());
  for (std::size_t k = 1; k < spans.size(); ++k)
    if (spans[k - 1].second > spans[k].first) fail("tensors overlap");
  return 0;
}
