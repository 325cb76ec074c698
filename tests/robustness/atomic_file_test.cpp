// support/atomic_file.h in-process: whole-or-nothing writes, modes and symlinks kept, temporaries removed on every
// path (error, destruction, the signal-handler hook), and outputs that name one file refused.
#include <fcntl.h>     // open, O_RDWR
#include <sys/stat.h>  // mkfifo, chmod, stat
#include <unistd.h>    // getpid

#include <catch2/catch.hpp>
#include <filesystem>  // std::filesystem
#include <fstream>     // std::ifstream, std::ofstream
#include <sstream>     // std::ostringstream
#include <string>      // std::string

#include "numscope/support/atomic_file.h"
#include "numscope/support/error.h"

using namespace numscope;
namespace fs = std::filesystem;

namespace {

fs::path fresh_dir() {
  static int n = 0;
  const fs::path d = fs::temp_directory_path() / ("numscope_atomic_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
void put(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }
std::size_t entries(const fs::path& d) { return static_cast<std::size_t>(std::distance(fs::directory_iterator(d), {})); }

}  // namespace

TEST_CASE("atomic file: written whole on commit, untouched otherwise", "[robustness][atomic_file]") {
  const fs::path d = fresh_dir(), t = d / "out.bin";
  put(t, "OLD");
  {
    AtomicFile f(t.string(), "--out");
    f.write("NEW", 3);
    CHECK(slurp(t) == "OLD");  // nothing visible before commit
    CHECK(entries(d) == 2);    // the target and one temporary
  }
  CHECK(slurp(t) == "OLD");  // destroyed without commit: unchanged, temporary gone
  CHECK(entries(d) == 1);
  {
    AtomicFile f(t.string(), "--out");
    f.stream() << "NEW" << 42;
    f.commit();
  }
  CHECK(slurp(t) == "NEW42");
  CHECK(entries(d) == 1);
}

TEST_CASE("atomic file: mode and symlinks are kept", "[robustness][atomic_file]") {
  const fs::path d = fresh_dir(), real = d / "real.md", link = d / "link.md";
  put(real, "OLD");
  ::chmod(real.c_str(), 0640);
  fs::create_symlink("real.md", link);
  AtomicFile f(link.string());
  f.write("NEW", 3);
  f.commit();
  CHECK(fs::is_symlink(link));
  CHECK(slurp(real) == "NEW");
  struct stat st {};
  ::stat(real.c_str(), &st);
  CHECK((st.st_mode & 07777) == 0640);
  // A dangling link is written through to where it points.
  fs::create_symlink("made.md", d / "dangling.md");
  AtomicFile g((d / "dangling.md").string());
  g.write("X", 1);
  g.commit();
  CHECK(fs::is_symlink(d / "dangling.md"));
  CHECK(slurp(d / "made.md") == "X");
}

TEST_CASE("atomic file: refusals and failures leave no temporary", "[robustness][atomic_file]") {
  const fs::path d = fresh_dir();
  CHECK_THROWS_AS(AtomicFile((d / "missing" / "x").string()), InputError);
  CHECK_THROWS_AS(AtomicFile(d.string()), InputError);  // a directory
  CHECK_THROWS_AS(AtomicFile(""), InputError);
  // A FIFO is written in place, never replaced (here: opened read-write by the test so that open does not block).
  const fs::path fifo = d / "f.fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const int keep = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);
  {
    AtomicFile f(fifo.string());
    CHECK(f.in_place());
    f.write("abc", 3);
    f.commit();
  }
  char buf[4] = {};
  CHECK(::read(keep, buf, 3) == 3);
  CHECK(std::string(buf) == "abc");
  ::close(keep);
  CHECK(fs::is_fifo(fifo));
  CHECK(entries(d) == 1);
}

TEST_CASE("atomic file: the signal hook unlinks live temporaries", "[robustness][atomic_file]") {
  const fs::path d = fresh_dir(), t = d / "t.bin";
  AtomicFile f(t.string());
  f.write("x", 1);
  CHECK(entries(d) == 1);
  remove_temporaries_now();  // what the CLI's SIGINT/SIGTERM/SIGHUP handler calls
  CHECK(entries(d) == 0);
  CHECK_THROWS_AS(f.commit(), InputError);  // the temporary is gone: the rename fails, the target never appears
  CHECK(!fs::exists(t));
}

TEST_CASE("atomic file: two outputs naming one file, an input as an output", "[robustness][atomic_file]") {
  const fs::path d = fresh_dir(), a = d / "a.bin";
  put(a, "A");
  fs::create_symlink("a.bin", d / "a.link");
  const std::string sa = a.string(), link = (d / "a.link").string(), other = (d / "b.bin").string();
  const NamedPath same[] = {{"--write-blocks", sa}, {"--dump-dequantized", link}};
  CHECK_THROWS_WITH(check_distinct_files(same), Catch::Contains("name the same file"));
  const NamedPath fresh[] = {{"--write-blocks", other}, {"--dump-dequantized", (d / "." / "b.bin").string()}};
  CHECK_THROWS_WITH(check_distinct_files(fresh), Catch::Contains("name the same file"));  // not yet existing
  const NamedPath outs[] = {{"--dump-dequantized", link}};
  const NamedPath ins[] = {{"--input", sa}};
  CHECK_THROWS_WITH(check_distinct_files(outs, ins), Catch::Contains("both an input"));
  const NamedPath ok[] = {{"--write-blocks", sa}, {"--dump-dequantized", other}};
  CHECK_NOTHROW(check_distinct_files(ok));
}
