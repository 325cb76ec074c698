// .npy and .safetensors files written here and read back, malformed ones rejected; the .npy writer; synthetic data.
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <unistd.h>  // getpid
#include <fstream>
#include <string>
#include <vector>

#include "numscope/support/error.h"
#include "numscope/io/tensor_io.h"
#include "numscope/quantize/quantize.h"

using namespace numscope;
namespace fs = std::filesystem;

namespace {

fs::path tmp(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("numscope_quant_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}
std::string write_file(const std::string& name, const std::string& bytes) {
  const fs::path p = tmp(name);
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p.string();
}
template <class T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}
std::string le(std::uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}
/// A .npy file: magic, version, header length (u16 for v1, u32 after), the dict padded to 64 bytes, the data.
std::string npy(int major, const std::string& dict, const std::string& data) {
  const int len_bytes = major == 1 ? 2 : 4;
  std::string h = dict;
  const std::size_t total = 8 + len_bytes + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h.push_back('\n');
  return std::string("\x93NUMPY", 6) + char(major) + char(0) + le(h.size(), len_bytes) + h + data;
}
std::vector<double> all_rows(const RowSource& s) {
  std::vector<double> v(s.rows() * s.cols());
  s.read_rows(0, s.rows(), v.data());
  return v;
}
std::string safetensors(const std::string& header, const std::string& data) {
  return le(header.size(), 8) + header + data;
}

}  // namespace

TEST_CASE("npy: versions 1-3, dtypes, byte order, Fortran order", "[quantize][npy]") {
  const std::vector<float> f = {1.5f, -2.0f, 0.25f, 3.0f, 4.0f, -5.0f};
  const auto v1 = read_npy(write_file("a.npy", npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
                                                   raw(f))));
  CHECK(v1.shape == std::vector<std::uint64_t>{2, 3});
  CHECK(v1.source->rows() == 2);
  CHECK(v1.source->cols() == 3);
  CHECK(all_rows(*v1.source) == std::vector<double>{1.5, -2.0, 0.25, 3.0, 4.0, -5.0});
  for (int major : {2, 3}) {
    const auto v = read_npy(write_file("v.npy", npy(major, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }",
                                                    raw(f))));
    CHECK(all_rows(*v.source) == std::vector<double>{1.5, -2.0, 0.25, 3.0, 4.0, -5.0});
  }
  // Fortran order: the file holds columns; rows come back in C order.
  const std::vector<float> fo = {1, 4, 2, 5, 3, 6};  // [[1,2,3],[4,5,6]] column-major
  const auto vf = read_npy(write_file("f.npy", npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }",
                                                   raw(fo))));
  CHECK(all_rows(*vf.source) == std::vector<double>{1, 2, 3, 4, 5, 6});
  // 3-D Fortran: element (i, j, k) at i + 2·(j + 2·k).
  std::vector<float> f3(8);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 2; ++k) f3[i + 2 * (j + 2 * k)] = float(100 * i + 10 * j + k);
  const auto v3 = read_npy(write_file("f3.npy", npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2, 2), }",
                                                    raw(f3))));
  CHECK(all_rows(*v3.source) == std::vector<double>{0, 1, 10, 11, 100, 101, 110, 111});
  // float16 and big-endian float64.
  const std::vector<std::uint16_t> h = {0x3C00, 0xC000, 0x7BFF};  // 1, -2, 65504
  const auto vh = read_npy(write_file("h.npy", npy(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }", raw(h))));
  CHECK(all_rows(*vh.source) == std::vector<double>{1, -2, 65504});
  std::string be;
  for (double d : {0.1, -7.0}) {
    std::uint64_t b;
    std::memcpy(&b, &d, 8);
    for (int i = 7; i >= 0; --i) be.push_back(char((b >> (8 * i)) & 0xff));
  }
  const auto vb = read_npy(write_file("b.npy", npy(1, "{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", be)));
  CHECK(all_rows(*vb.source) == std::vector<double>{0.1, -7.0});
  // ml_dtypes bfloat16 saved as <V2 needs --dtype.
  const std::vector<std::uint16_t> bf = {0x3F80, 0x4040};  // 1, 3
  const std::string vpath = write_file("bf.npy", npy(1, "{'descr': '<V2', 'fortran_order': False, 'shape': (2,), }", raw(bf)));
  REQUIRE_THROWS_WITH(read_npy(vpath), Catch::Contains("--dtype"));
  CHECK(all_rows(*read_npy(vpath, &kBf16).source) == std::vector<double>{1, 3});
}

TEST_CASE("npy: malformed files are rejected with one line", "[quantize][npy]") {
  const std::string ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  const std::string data = raw(std::vector<float>{1, 2});
  auto fails = [](const std::string& bytes, const std::string& what) {
    const std::string p = write_file("bad.npy", bytes);
    REQUIRE_THROWS_AS(read_npy(p), InputError);
    REQUIRE_THROWS_WITH(read_npy(p), Catch::Contains(what));
  };
  fails("not numpy at all", "not a .npy file");
  fails(npy(1, ok, data).substr(0, 9), "not a .npy file");
  std::string long_header = npy(1, ok, data);
  long_header[8] = char(0xff);
  long_header[9] = char(0x7f);
  fails(long_header, "past the end of the file");
  fails(npy(1, ok, data.substr(0, 5)), "data bytes");
  fails(npy(1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }", data), "unsupported dtype '<i4'");
  fails(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 2), }", data), "overflows");
  fails(npy(1, "{'descr': '<f4', 'shape': (2,), }", data), "malformed");
  fails(npy(1, "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }", data), "malformed");
  fails(npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", data), "malformed");
  std::string v9 = npy(1, ok, data);
  v9[6] = 9;
  fails(v9, "version 9");
  REQUIRE_THROWS_WITH(read_tensor_file(write_file("x.bin", "hello world, not a tensor")),
                      Catch::Contains("not a .npy, .safetensors or GGUF file"));
  REQUIRE_THROWS_WITH(read_tensor_file(tmp("missing.npy").string()), Catch::Contains("cannot open"));
}

TEST_CASE("safetensors: read back several dtypes", "[quantize][safetensors]") {
  const std::vector<float> a = {1, -2, 3, 4};
  const std::vector<std::uint16_t> b = {0x3F80, 0xC000};  // bf16 1, -2
  const std::vector<std::uint16_t> c = {0x3C00};          // f16 1
  const std::string header =
      R"({"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
      R"("b":{"dtype":"BF16","shape":[2],"data_offsets":[16,20]},"h":{"dtype":"F16","shape":[1],"data_offsets":[20,22]},)"
      R"("i":{"dtype":"I32","shape":[1],"data_offsets":[22,26]},"e":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[26,28]}}  )";
  const std::string bytes = safetensors(header, raw(a) + raw(b) + raw(c) + std::string("\1\0\0\0", 4) + "\x38\xC0");
  const SafetensorsFile f = read_safetensors(write_file("m.safetensors", bytes));
  REQUIRE(f.tensors.size() == 5);
  CHECK(f.metadata.at("format") == "pt");
  CHECK(f.tensors[0].name == "w");
  CHECK(all_rows(*f.tensors[0].source) == std::vector<double>{1, -2, 3, 4});
  CHECK(f.tensors[0].source->rows() == 2);
  CHECK(all_rows(*f.tensors[1].source) == std::vector<double>{1, -2});
  CHECK(all_rows(*f.tensors[2].source) == std::vector<double>{1});
  CHECK(f.tensors[3].source == nullptr);
  CHECK(f.tensors[3].unsupported.find("I32") != std::string::npos);
  CHECK(all_rows(*f.tensors[4].source) == std::vector<double>{1, -2});  // e4m3 0x38 = 1, 0xC0 = -2
  CHECK(read_tensor_file(write_file("m2.safetensors", bytes)).size() == 5);
}

TEST_CASE("safetensors: malformed headers and offsets are rejected", "[quantize][safetensors]") {
  const std::string data = raw(std::vector<float>{1, 2});
  auto fails = [](const std::string& bytes, const std::string& what) {
    const std::string p = write_file("bad.safetensors", bytes);
    REQUIRE_THROWS_AS(read_safetensors(p), InputError);
    REQUIRE_THROWS_WITH(read_safetensors(p), Catch::Contains(what));
  };
  auto one = [](const std::string& entry) { return "{\"t\":" + entry + "}"; };
  fails("1234", "shorter than");
  fails(le(200000000, 8) + "{}", "100,000,000");
  fails(le(4000, 8) + "{}", "past the end");
  fails(safetensors("[1,2]", ""), "starting with '{'");
  fails(safetensors("{\"t\":", ""), "not valid JSON");
  fails(safetensors(one(R"({"dtype":"F32","shape":[2],"data_offsets":[0,16]})"), data), "past the data");
  fails(safetensors(one(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})"), data), "need 12 bytes");
  fails(safetensors(one(R"({"dtype":"Q9","shape":[2],"data_offsets":[0,8]})"), data), "unknown dtype 'Q9'");
  fails(safetensors(one(R"({"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]})"), data),
        "overflows");
  fails(safetensors(one(R"({"dtype":"F32","shape":[-2],"data_offsets":[0,8]})"), data), "non-negative");
  fails(safetensors(one(R"({"dtype":"F32","shape":[2]})"), data), "needs dtype, shape and data_offsets");
  fails(safetensors(one(R"({"dtype":"F32","shape":[1],"data_offsets":[4,8]})"), data), "a hole");
  fails(safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                    data),
        "an overlap");
  fails(safetensors(one(R"({"dtype":"F32","shape":[1],"data_offsets":[0,4]})"), data), "holds 8 data bytes");
  fails(safetensors(one(R"({"dtype":"F32","shape":[2],"data_offsets":[8,0]})"), data), "begin > end");
  fails(safetensors(R"({"__metadata__":{"a":1}})", ""), "not a string");
}

TEST_CASE("npy writer: temporary file renamed on commit", "[quantize][npy]") {
  const std::string p = tmp("out.npy").string();
  {
    NpyWriter w(p, {2, 2});
    const double v[4] = {1, 2, 3, 4.5};
    w.write(v, 4);
    w.commit();
  }
  CHECK(all_rows(*read_npy(p).source) == std::vector<double>{1, 2, 3, 4.5});
  CHECK(read_npy(p).source->rows() == 2);
  const std::string q = tmp("never.npy").string();
  { NpyWriter w(q, {3}); }  // no commit: nothing left behind
  CHECK_FALSE(fs::exists(q));
}

TEST_CASE("synthetic tensors are deterministic", "[quantize][synthetic]") {
  const auto a = make_synthetic("normal:n=1000,seed=7");
  const auto b = make_synthetic("normal:n=1000,seed=7");
  const auto c = make_synthetic("normal:n=1000,seed=8");
  CHECK(a.source->data() == b.source->data());
  CHECK(a.source->data() != c.source->data());
  const auto o = make_synthetic("laplace:shape=10x100,sigma=2,outliers=0.01:20,seed=1");
  CHECK(o.shape == std::vector<std::uint64_t>{10, 100});
  int big = 0;
  for (double v : o.source->data()) big += std::fabs(v) == 40.0;
  CHECK(big == 10);
  const TensorStats st = tensor_stats(*make_synthetic("student-t:nu=5,n=200000,seed=2").source);
  CHECK(std::fabs(st.std - 1.0) < 0.05);
  CHECK(st.kurtosis > 5);  // t_5: excess kurtosis 6
  const TensorStats su = tensor_stats(*make_synthetic("uniform:n=100000").source);
  CHECK(std::fabs(su.kurtosis - 1.8) < 0.05);
  REQUIRE_THROWS_WITH(make_synthetic("gamma:n=3"), Catch::Contains("unknown distribution"));
  REQUIRE_THROWS_WITH(make_synthetic("normal:n=abc"), Catch::Contains("n must be"));
  REQUIRE_THROWS_WITH(make_synthetic("normal:shape=3x4,n=5"), Catch::Contains("does not match"));
  REQUIRE_THROWS_WITH(make_synthetic("normal:colour=red"), Catch::Contains("unknown key"));
}
