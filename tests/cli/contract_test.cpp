// The output contract of docs/output.md, for every command in every output format: JSON parsed back with
// nlohmann and CSV with the small reader below, each checked against the columns the JSON declares.
//
// Oracles independent of the renderer: an exact value's _f64 is checked to be the binary64 nearest to the exact
// string (strtod for decimals, Boost rationals and the two neighbouring doubles for p/q), integers against their
// digits, and CSV cells against the JSON document of the same invocation.
#include <boost/multiprecision/cpp_int.hpp>  // cpp_rational: the exact value of "p/q" strings
#include <catch2/catch.hpp>
#include <cmath>       // std::nextafter, std::isfinite
#include <cstdlib>     // std::strtod
#include <filesystem>  // std::filesystem::temp_directory_path
#include <fstream>     // std::ofstream
#include <nlohmann/json.hpp>
#include <regex>    // std::regex_match
#include <set>      // std::set
#include <sstream>  // std::istringstream, std::ostringstream
#include <unistd.h>  // getpid

#include "numscope/api/values.h"
#include "numscope/tools/cli/command.h"

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;
using Rational = boost::multiprecision::cpp_rational;

struct Run {
  int rc;
  std::string out, err;
};

Run run(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), "numscope");
  std::istringstream in(input);
  std::ostringstream out, err;
  numscope::cli::Context ctx{in, out, err};
  const int rc = numscope::cli::run_main(args, ctx);
  return {rc, out.str(), err.str()};
}

std::string scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("numscope_contract_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

/// RFC 4180 fields: commas separate, double quotes quote, "" inside quotes is a quote. One record per line
/// (the renderer escapes newlines inside fields, so a raw newline would be a second record).
std::vector<std::vector<std::string>> read_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (quoted) {
        if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') fields.back() += '"', ++i;
        else if (c == '"') quoted = false;
        else fields.back() += c;
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        fields.emplace_back();
      } else {
        fields.back() += c;
      }
    }
    REQUIRE_FALSE(quoted);
    records.push_back(std::move(fields));
  }
  return records;
}

bool snake_case(const std::string& s) { return std::regex_match(s, std::regex("[a-z][a-z0-9]*(_[a-z0-9]+)*")); }

/// `value` is the binary64 nearest to the exact rational `exact` (ties: either neighbour is as near).
void check_nearest(const Rational& exact, double value) {
  CAPTURE(exact.str(), value);
  REQUIRE(std::isfinite(value));
  const Rational here(value);
  const Rational d = abs(exact - here);
  for (double next : {std::nextafter(value, INFINITY), std::nextafter(value, -INFINITY)})
    if (std::isfinite(next)) CHECK(d <= abs(exact - Rational(next)));
}

/// An exact value's string and its _f64 twin.
void check_exact(const Json& v, const Json& f64) {
  if (v.is_null()) {
    CHECK(f64.is_null());
    return;
  }
  REQUIRE(v.is_string());
  const std::string s = v.get<std::string>();
  CAPTURE(s);
  CHECK(s.find("≈") == std::string::npos);
  if (s == "inf" || s == "-inf" || s == "nan") {
    CHECK(f64.is_null());
    return;
  }
  if (f64.is_null()) return;  // beyond binary64's range
  REQUIRE(f64.is_number());
  const double d = f64.get<double>();
  if (s.find('/') != std::string::npos) {
    check_nearest(Rational(s), d);
  } else {
    CHECK(std::regex_match(s, std::regex("-?[0-9]+(\\.[0-9]+)?")));  // every digit, no exponent, no grouping
    CHECK(d == std::strtod(s.c_str(), nullptr));  // glibc's strtod rounds correctly
  }
}

/// 2^53: above it an integer is a string of digits.
constexpr std::int64_t kSafe = std::int64_t{1} << 53;

void check_cell(const std::string& type, const Json& row, const std::string& key) {
  CAPTURE(type, key, row.dump());
  REQUIRE(row.contains(key));
  const Json& v = row[key];
  if (type == "exact") {
    REQUIRE(row.contains(key + "_f64"));
    check_exact(v, row[key + "_f64"]);
  } else if (type == "integer") {
    if (v.is_string()) {
      const std::string s = v.get<std::string>();
      CHECK(std::regex_match(s, std::regex("-?[0-9]{16,}")));
      CHECK(abs(Rational(s)) > kSafe);
    } else if (!v.is_null()) {
      REQUIRE(v.is_number_integer());
      CHECK(std::llabs(v.get<std::int64_t>()) <= kSafe);
    }
  } else if (type == "float") {
    CHECK((v.is_null() || v.is_number()));
  } else if (type == "text") {
    CHECK((v.is_null() || v.is_string()));
  } else if (type == "flag") {
    CHECK((v.is_null() || v.is_boolean()));
  } else {
    FAIL("unknown column type " + type);
  }
}

/// The JSON document: its shape, its keys, and every cell against its column's type. Returns it.
Json check_json(const std::string& text, const std::string& command) {
  const Json doc = Json::parse(text);  // one document: parse() refuses trailing text
  for (const char* k : {"command", "request", "tables", "columns", "titles", "notes"}) CHECK(doc.contains(k));
  CHECK(doc["command"] == command);
  CHECK(doc["request"].is_object());
  for (const auto& [key, value] : doc["request"].items()) CHECK(snake_case(key));
  CHECK(doc["notes"].is_array());
  for (const auto& [name, rows] : doc["tables"].items()) {
    CAPTURE(name);
    CHECK(snake_case(name));
    REQUIRE(doc["columns"].contains(name));
    std::set<std::string> keys;
    for (const Json& c : doc["columns"][name]) {
      CHECK(snake_case(c["key"].get<std::string>()));
      CHECK(c["label"].is_string());
      keys.insert(c["key"].get<std::string>());
      if (c["type"] == "exact") keys.insert(c["key"].get<std::string>() + "_f64");
    }
    for (const Json& row : rows) {
      std::set<std::string> have;
      for (const auto& [k, v] : row.items()) have.insert(k);
      CHECK(have == keys);
      for (const Json& c : doc["columns"][name]) check_cell(c["type"], row, c["key"]);
    }
  }
  return doc;
}

/// One CSV stream against the JSON rows of the same table: header, row count and every cell.
/// `timed`: the command measures time, so two runs agree on the shape but not on float values.
void check_csv(const std::string& text, const Json& doc, const std::string& table, bool timed) {
  const auto records = read_csv(text);
  const Json& columns = doc["columns"][table];
  const Json& rows = doc["tables"][table];
  REQUIRE(records.size() == rows.size() + 1);
  REQUIRE(records[0].size() == columns.size());
  for (std::size_t c = 0; c < columns.size(); ++c) CHECK(records[0][c] == columns[c]["key"]);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    REQUIRE(records[r + 1].size() == columns.size());
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const std::string key = columns[c]["key"], type = columns[c]["type"], cell = records[r + 1][c];
      const Json& v = rows[r][key];
      CAPTURE(table, key, cell, v.dump());
      CHECK(cell.find("≈") == std::string::npos);
      if (v.is_null() && type != "float" && type != "exact") CHECK(cell.empty());
      else if (type == "float" && v.is_null()) CHECK((cell.empty() || cell == "inf" || cell == "-inf" || cell == "nan"));
      else if (type == "float" && timed) CHECK(std::isfinite(std::strtod(cell.c_str(), nullptr)));
      else if (type == "float") CHECK(std::strtod(cell.c_str(), nullptr) == v.get<double>());
      else if (type == "flag") CHECK(cell == (v.get<bool>() ? "true" : "false"));
      else if (type == "integer") CHECK(cell == (v.is_string() ? v.get<std::string>() : std::to_string(v.get<std::int64_t>())));
      else if (v.is_null()) CHECK(cell.empty());
      else if (type == "text" && v.get<std::string>().find_first_of("\n\r") == std::string::npos)
        CHECK(cell == v.get<std::string>());
      else if (type == "exact") CHECK(cell == v.get<std::string>());
    }
  }
}

/// The line of docs/output.md's "Tables of each command" that starts with `command`.
std::string documented_tables(const std::string& command) {
  std::ifstream in(std::string(NUMSCOPE_SOURCE_DIR) + "/docs/output.md");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("| `" + command + "` |", 0) == 0) return line;
  return "";
}

struct Case {
  std::vector<std::string> args;
  int rc;
  std::string input = "";
};

/// Every command, and the forms of each that change the shape of its result.
std::vector<Case> cases() {
  const std::string doc = scratch("doc.md");
  std::ofstream(doc) << "# t\n<!-- numscope: formats e2m1 -o md -->\nstale\n<!-- end -->\n";
  const std::string claims = scratch("c.claims");
  std::ofstream(claims) << "max(e4m3) = 448\nmax(fp16) = 65504\n";
  return {
      {{"formats"}, 0},
      {{"formats", "fp16", "e4m3", "fp64"}, 0},  // fp64's finite_values is above 2^53
      {{"formats", "int4", "uint64"}, 0},         // uint64's max is above 2^53
      {{"store", "123456.789", "1/3", "nan", "-0", "1e-9"}, 0},
      {{"store", "0.1", "--formats", "int8,e2m1", "--scale", "1/127"}, 0},  // p/q exact values
      {{"explain", "bf16", "123456.789"}, 0},
      {{"explain", "e4m3", "nan"}, 0},
      {{"explain", "uint64", "18446744073709551615"}, 0},
      {{"values", "e2m1"}, 0},
      {{"values", "e4m3", "--finite"}, 0},
      {{"decode", "fp32", "0x3dcccccd", "0x7f800000", "0x00000001"}, 0},  // issue 18's command
      {{"decode", "e2m1", "0b0111", "0x0"}, 0},
      {{"explain", "fp32", "--bits", "0x3dcccccd"}, 0},
      {{"formats", "--aliases", "e4m3"}, 0},
      {{"tour"}, 0},
      {{"quantize", "--synthetic", "normal:n=4096,seed=1", "-s", "q4_0,q8_0,nf4", "--max-bits", "5"}, 0},
      {{"quantize", "--synthetic", "normal:n=4096,seed=1", "-s", "q8_0", "--percentiles", "--histogram", "8"}, 0},
      {{"memory", "--model", "llama-3-8b", "--seq", "4096", "--batch", "2", "--gpu", "H100-80GB", "--max-abs",
        "123456.789"},
       0},
      {{"memory", "--params", "7B", "--mode", "train", "--gpus", "8", "--zero", "2"}, 0},
      {{"memory", "--params", "7B,13B", "--weights", "bf16,int4"}, 0},  // a grid
      {{"memory", "--list-models"}, 0},
      {{"memory", "--list-gpus"}, 0},
      {{"check", claims}, 0},
      {{"check", "--claim", "max(e4m3) = 464", "--claim", "bits(fp16) = 16"}, 1},
      {{"check", "--claim", "max(nope) = 1"}, 2},
      {{"verify", "--formats", "e2m1"}, 0},
      {{"bench", "--size", "4K", "--quantize-size", "4K", "--formats", "e2m1"}, 0},
      {{"doc-tables", doc}, 1},
  };
}

}  // namespace

TEST_CASE("every command in every output format follows the output contract", "[cli][contract]") {
  for (const Case& c : cases()) {
    std::string line;
    for (const auto& a : c.args) line += a + " ";
    CAPTURE(line);
    const Run json = run([&] { auto a = c.args; a.insert(a.end(), {"-o", "json"}); return a; }());
    REQUIRE(json.rc == c.rc);
    const Json doc = check_json(json.out, c.args[0]);
    const bool timed = c.args[0] == "bench" || c.args[0] == "verify";
    for (const char* format : {"table", "md"}) {
      auto a = c.args;
      a.insert(a.end(), {"-o", format});
      const Run r = run(a);
      CHECK(r.rc == c.rc);
      CHECK_FALSE(r.out.empty());
    }
    // CSV: one table per stream; a result of several tables needs --table, and says which it has.
    auto csv_args = c.args;
    csv_args.insert(csv_args.end(), {"-o", "csv"});
    const Run csv = run(csv_args);
    if (doc["tables"].size() == 1) {
      CHECK(csv.rc == c.rc);
      check_csv(csv.out, doc, doc["tables"].begin().key(), timed);
    } else {
      CHECK(csv.rc == 2);
      CHECK(csv.out.empty());
      CHECK(std::count(csv.err.begin(), csv.err.end(), '\n') == 1);
      for (const auto& [name, rows] : doc["tables"].items()) {
        CHECK(csv.err.find(name) != std::string::npos);
        auto one = csv_args;
        one.insert(one.end(), {"--table", name});
        const Run r = run(one);
        CHECK(r.rc == c.rc);
        check_csv(r.out, doc, name, timed);
      }
    }
    // docs/output.md names every table this command printed, on the command's line of its table of tables.
    const std::string doc_line = documented_tables(c.args[0]);
    for (const auto& [name, rows] : doc["tables"].items()) CHECK(doc_line.find("`" + name + "`") != std::string::npos);
    // --table NAME works in every format; an unknown name is one line listing the tables.
    const std::string first = doc["tables"].begin().key();
    for (const char* format : {"table", "md", "json"}) {
      auto a = c.args;
      a.insert(a.end(), {"-o", format, "--table", first});
      CHECK(run(a).rc == c.rc);
    }
    auto bad = c.args;
    bad.insert(bad.end(), {"-o", "json", "--table", "no_such_table"});
    const Run b = run(bad);
    CHECK(b.rc == 2);
    CHECK(b.out.empty());
    CHECK(b.err.find(first) != std::string::npos);
  }
}

// cast writes raw bytes: -o would be ignored, so it is refused (issue 18) instead of silently writing binary.
TEST_CASE("cast writes its bytes and refuses -o", "[cli][contract]") {
  const std::string in("\x00\x00\x80\x3f\x00\x00\xc0\xbf", 8);  // fp32 1.0, -1.5
  const Run ok = run({"cast", "--from", "fp32", "--to", "bf16"}, in);
  CHECK(ok.rc == 0);
  CHECK(ok.out == std::string("\x80\x3f\xc0\xbf", 4));
  for (const char* format : {"table", "md", "csv", "json"}) {
    const Run r = run({"cast", "--from", "fp32", "--to", "bf16", "-o", format}, in);
    CHECK(r.rc == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find("--output does not apply") != std::string::npos);
  }
}

TEST_CASE("JSON: integers above 2^53 are strings, exact values keep every digit", "[cli][contract]") {
  const Json f = Json::parse(run({"formats", "fp64", "uint64", "-o", "json"}).out);
  CHECK(f["tables"]["floats"][0]["finite_values"] == "18437736874454810623");  // 2^64 - 2^53 codes, -1: ±0 are one value
  CHECK(f["tables"]["integers"][0]["max"] == "18446744073709551615");
  CHECK(f["tables"]["integers"][0]["min"] == 0);
  CHECK(f["tables"]["floats"][0]["max"].get<std::string>().size() == 309);  // (2 - 2^-52) · 2^1023, every digit
  CHECK(f["tables"]["floats"][0]["max_f64"] == 1.7976931348623157e308);
  const Json s = Json::parse(run({"store", "123456.789", "--formats", "fp16,bf16", "-o", "json"}).out);
  CHECK(s["tables"]["store"][0]["stored"] == "inf");
  CHECK(s["tables"]["store"][0]["stored_f64"].is_null());
  CHECK(s["tables"]["store"][1]["rel_error"] == "64789/123456789");  // |123392 - 123456.789| / 123456.789
}

TEST_CASE("control characters in names are escaped in text, Markdown and CSV", "[cli][contract]") {
  // A safetensors file whose one tensor is named "a\nb|c": 8-byte header length, JSON header, 4 floats.
  const std::string header = R"({"a\nb|c":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})";
  std::string file(8, '\0');
  for (int i = 0; i < 8; ++i) file[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  file += header;
  for (float v : {1.0f, -2.0f, 0.5f, 3.0f}) file.append(reinterpret_cast<const char*>(&v), 4);
  const std::string path = scratch("ctrl.safetensors");
  std::ofstream(path, std::ios::binary) << file;
  const Run text = run({"quantize", "-i", path, "-s", "q8_0"});
  REQUIRE(text.rc == 0);
  CHECK(text.out.find("a\\nb|c") != std::string::npos);
  CHECK(text.out.find("a\nb") == std::string::npos);
  const Run md = run({"quantize", "-i", path, "-s", "q8_0", "-o", "md"});
  CHECK(md.out.find("a\\nb\\|c") != std::string::npos);
  const Run csv = run({"quantize", "-i", path, "-s", "q8_0", "-o", "csv", "--table", "input"});
  const auto records = read_csv(csv.out);
  REQUIRE(records.size() == 2);
  CHECK(records[1][0] == "a\\nb|c");
  const Json j = Json::parse(run({"quantize", "-i", path, "-s", "q8_0", "-o", "json"}).out);
  CHECK(j["tables"]["input"][0]["tensor"] == "a\nb|c");  // JSON keeps the name; its own escape is \n
}

TEST_CASE("values refuses a format whose exact values would not fit the stated size", "[cli][values]") {
  const Run r = run({"values", "e8m7:bias=16384", "-o", "json"});
  CHECK(r.rc == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("MB") != std::string::npos);
  CHECK(run({"values", "bf16", "-o", "csv"}).rc == 0);
}

TEST_CASE("values: the size estimate that guards it is within 10% of the digits it prints", "[cli][values]") {
  for (const char* f : {"bf16", "fp16", "e4m11", "e6m9:bias=20", "e8m7:bias=200", "uint16", "int12", "e2m1", "e8m0"}) {
    CAPTURE(f);
    const numscope::Result r = numscope::api::values({f, false});
    double chars = 0;
    for (const auto& row : r.tables[0].rows) chars += static_cast<double>(row[3].value.size());
    const double estimate = static_cast<double>(numscope::api::values_chars(f));
    CHECK(estimate >= 0.9 * chars);
    CHECK(estimate <= 1.1 * chars + 64);
  }
}
