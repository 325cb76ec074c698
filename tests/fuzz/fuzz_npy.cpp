// libFuzzer target: the .npy reader (magic, version, header length, the header dict, dtype, shape, data size).
//
// Properties: read_npy returns or throws InputError; an accepted file has its header and every data byte inside
// the file (checked independently from the raw bytes: 8 + length field + header + elements · item size <= size),
// a shape whose product is the element count, and rows · cols == elements; small tensors are read whole.
#include <cstring>
#include <optional>
#include <vector>

#include "numscope/support/error.h"
#include "numscope/io/tensor_io.h"
#include "tests/fuzz/fuzz_io.h"

using namespace numscope;

namespace {

int item_size(const std::string& descr, std::optional<DType> override_dtype) {
  const std::string kind = descr.substr(1);
  if (kind == "f2") return 2;
  if (kind == "f4") return 4;
  if (kind == "f8") return 8;
  if (override_dtype) return *override_dtype == &kBf16 || *override_dtype == &kFp16 ? 2 : 1;
  fuzz::fail("fuzz_npy", "accepted dtype '" + descr + "'");
}

void check(const std::uint8_t* data, std::size_t size, const std::string& path, std::optional<DType> override_dtype) {
  TensorEntry e;
  try {
    e = read_npy(path, override_dtype);
  } catch (const InputError&) {
    return;
  }
  if (size < 10 || std::memcmp(data, "\x93NUMPY", 6) != 0) fuzz::fail("fuzz_npy", "accepted without the magic");
  const int lb = data[6] == 1 ? 2 : 4;
  if (size < 8u + lb) fuzz::fail("fuzz_npy", "accepted a file that ends inside the header length");
  const std::uint64_t hlen = fuzz::load_le(data + 8, lb), start = 8 + lb + hlen;
  if (start > size) fuzz::fail("fuzz_npy", "accepted a header past the end of the file");
  unsigned __int128 product = 1;
  for (std::uint64_t d : e.shape) {
    product *= d;
    if (product > ~std::uint64_t{0}) fuzz::fail("fuzz_npy", "accepted a shape whose product overflows 64 bits");
  }
  if (product != e.elements) fuzz::fail("fuzz_npy", "element count is not the shape's product");
  const unsigned __int128 end = start + static_cast<unsigned __int128>(e.elements) * item_size(e.dtype, override_dtype);
  if (end > size) fuzz::fail("fuzz_npy", "the data of an accepted file runs past its end");
  if (!e.source) fuzz::fail("fuzz_npy", "accepted without a row source");
  const std::uint64_t rows = e.source->rows(), cols = e.source->cols();
  if (e.elements > 0 && static_cast<unsigned __int128>(rows) * cols != e.elements)
    fuzz::fail("fuzz_npy", "rows · cols is not the element count");
  if (e.elements > 0 && e.elements <= (1u << 16)) {
    std::vector<double> values(e.elements);
    e.source->read_rows(0, rows, values.data());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = fuzz::scratch(data, size, ".npy");
  check(data, size, path, std::nullopt);
  check(data, size, path, &kBf16);
  check(data, size, path, &kE4m3);
  return 0;
}
