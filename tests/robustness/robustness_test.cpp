// Regression tests of the bugs the fuzzers and the bad-input table found: each is refused in bounded time with one line.
#include <signal.h>  // sigaction
#include <unistd.h>  // getpid

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "numscope/support/error.h"
#include "numscope/formats/number.h"
#include "numscope/io/tensor_io.h"
#include "numscope/memory/model.h"
#include "numscope/tools/cli/command.h"

using namespace numscope;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("numscope_robustness_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}
std::string write_file(const std::string& name, const std::string& bytes) {
  const fs::path p = scratch(name);
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p.string();
}
std::string safetensors(const std::string& header, std::size_t data_bytes) {
  std::string s;
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xff));
  return s + header + std::string(data_bytes, '\0');
}
std::string error_of(auto&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("a fraction whose value leaves the number bounds is refused", "[robustness]") {
  // Each side is in bounds; the quotient 1e40000 is not (found by fuzz_number: its exact decimal did not parse back).
  CHECK_THAT(error_of([] { parse_number("1e20000/1e-20000"); }), Catch::Contains("magnitude out of range"));
  CHECK_THAT(error_of([] { parse_number("1e-20000/1e20000"); }), Catch::Contains("magnitude out of range"));
  CHECK(exact_decimal(parse_number("1e10000/1e-10000")) == "1" + std::string(20000, '0'));
  CHECK(exact_decimal(parse_number("-0/5")) == "-0");
}

TEST_CASE("safetensors: duplicate tensor names and deep nesting are refused", "[robustness]") {
  const std::string t = R"("dtype":"F32","shape":[2],"data_offsets":[0,8])";
  const std::string dup = write_file("dup.safetensors", safetensors("{\"a\":{" + t + "},\"a\":{" + t + "}}", 8));
  CHECK_THAT(error_of([&] { read_safetensors(dup); }), Catch::Contains("duplicate tensor name 'a'"));
  const std::string deep =
      write_file("deep.safetensors", safetensors("{\"__metadata__\":" + std::string(100000, '[') + std::string(100000, ']') + "}", 0));
  CHECK_THAT(error_of([&] { read_safetensors(deep); }), Catch::Contains("nested more than"));
  // Metadata keys may repeat tensor names' spelling: only the top-level keys must be unique.
  const std::string ok = write_file("ok.safetensors", safetensors(R"({"__metadata__":{"a":"x"},"a":{)" + t + "}}", 8));
  CHECK(read_safetensors(ok).tensors.size() == 1);
}

TEST_CASE("config.json: size, nesting, directories and overflowing sizes are refused", "[robustness]") {
  const std::string deep = "{\"model_type\":\"llama\",\"x\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  CHECK_THAT(error_of([&] { memory::parse_config_json(deep); }), Catch::Contains("nested more than"));
  // n_positions · n_embd overflowed int64 in param_breakdown (UBSan, found by the bad-input table).
  const std::string positions = R"({"model_type":"gpt2","n_embd":1024,"n_layer":1,"n_head":16,"vocab_size":50257,)"
                                R"("n_positions":9223372036854775807})";
  CHECK_THAT(error_of([&] { memory::parse_config_json(positions); }), Catch::Contains("larger than 2^31"));
  // A number past double's range made nlohmann throw out_of_range, not parse_error: an internal error, exit 3
  // (found by fuzz_config).
  CHECK_THAT(error_of([] { memory::parse_config_json(R"({"model_type":"gpt2","layer_norm_epsilon":1e50257})"); }),
             Catch::Contains("not valid JSON"));
  // A file past 16 MiB is refused after reading 16 MiB + 1 bytes, not read whole (a sparse 1 GiB file here).
  const fs::path huge = scratch("huge.json");
  { std::ofstream(huge).put(' '); }
  fs::resize_file(huge, std::uintmax_t{1} << 30);
  CHECK_THAT(error_of([&] { memory::load_config_json(huge.string()); }), Catch::Contains("larger than 16 MiB"));
  fs::remove(huge);
  CHECK_THAT(error_of([] { memory::load_config_json("/dev/zero"); }), Catch::Contains("larger than 16 MiB"));
  CHECK_THAT(error_of([] { memory::load_config_json(fs::temp_directory_path().string()); }),
             Catch::Contains("config.json"));
}

TEST_CASE("a parameter count made only of separators is refused", "[robustness]") {
  // "_" left an empty string whose back() was read (undefined behaviour).
  CHECK_THAT(error_of([] { memory::parse_param_count("_"); }), Catch::Contains("parameter count takes a number"));
  CHECK_THAT(error_of([] { memory::parse_param_count(",,"); }), Catch::Contains("a comma inside a number"));
  CHECK(memory::parse_param_count("7_000") == 7000);
}

TEST_CASE("an error message quoting a newline stays one line", "[robustness]") {
  std::istringstream in;
  std::ostringstream out, err;
  cli::Context ctx{in, out, err};
  const std::vector<std::string> argv = {"numscope", "store", "1\n2\r3"};
  CHECK(cli::run_main(argv, ctx) == 2);
  const std::string e = err.str();
  CHECK(e.find('\n') == e.size() - 1);
  CHECK_THAT(e, Catch::Contains("1\\n2\\r3"));
  CHECK(out.str().empty());
}

TEST_CASE("doc-tables does not run itself from a generated block", "[robustness]") {
  const fs::path md = scratch("self.md");
  std::ofstream(md) << "<!-- numscope: doc-tables " << md.string() << " -->\n<!-- end -->\n";
  std::istringstream in;
  std::ostringstream out, err;
  cli::Context ctx{in, out, err};
  const std::vector<std::string> argv = {"numscope", "doc-tables", md.string()};
  CHECK(cli::run_main(argv, ctx) == 2);  // an error row, not unbounded recursion
  CHECK_THAT(out.str(), Catch::Contains("cannot run doc-tables itself"));
}

// Issue 12, item 5: signal handlers belong to the program (tools/process.cpp, installed by main), never to the
// library, which also runs inside Python and WebAssembly. A whole run of the library that writes files (atomic
// temporaries, the mapped inputs' table) leaves every disposition as it found it (Catch2 has its own handlers:
// compared before and after, not against SIG_DFL).
TEST_CASE("the library installs no signal handler", "[robustness]") {
  const int signals[] = {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGBUS, SIGXFSZ};
  auto dispositions = [&] {
    std::vector<void*> d;
    for (int s : signals) {
      struct sigaction a {};
      sigaction(s, nullptr, &a);
      d.push_back((a.sa_flags & SA_SIGINFO) ? reinterpret_cast<void*>(a.sa_sigaction) : reinterpret_cast<void*>(a.sa_handler));
    }
    return d;
  };
  const auto before = dispositions();
  const fs::path blocks = scratch("signals_blocks.bin"), deq = scratch("signals_deq.npy");
  std::istringstream in;
  std::ostringstream out, err;
  cli::Context ctx{in, out, err};
  const std::vector<std::string> argv = {"numscope", "quantize", "--synthetic", "normal:n=4096", "--schemes", "q8_0",
                                         "--write-blocks", blocks.string(), "--dump-dequantized", deq.string()};
  REQUIRE(cli::run_main(argv, ctx) == 0);
  CHECK(fs::file_size(blocks) == 4096 / 32 * 34);  // ggml q8_0: 32 elements in 2 + 32 bytes
  CHECK(dispositions() == before);
}
