// In-process tests of the CLI library: option parsing, the renderer, and commands' JSON against published figures.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "numscope/memory/options.h"
#include "numscope/support/render.h"
#include "numscope/tools/cli/command.h"

using namespace numscope::cli;

namespace {
struct Run {
  int rc;
  std::string out, err;
};
Run run(std::vector<std::string> args) {
  args.insert(args.begin(), "numscope");
  std::istringstream in;
  std::ostringstream out, err;
  Context ctx{in, out, err};
  const int rc = run_main(args, ctx);
  return {rc, out.str(), err.str()};
}
}  // namespace

TEST_CASE("render: markdown, csv and json of one table", "[cli][render]") {
  numscope::Result r;
  r.command = "demo";
  numscope::Table t;
  t.name = "demo";
  t.columns = {{"name", "name"},
               {"max", "max", numscope::ColumnType::kExact, numscope::Align::kRight},
               {"hidden", "hidden", numscope::ColumnType::kInteger, numscope::Align::kRight,
                numscope::Shown::kDataOnly}};
  t.add({numscope::Cell::text("fp16"), numscope::Cell::exact("65504", 65504.0), numscope::Cell::integer(16)});
  t.add({numscope::Cell::text("a|b"), numscope::Cell::exact("0.1", 0.1, "x,y"), numscope::Cell::null()});
  r.tables.push_back(t);
  using numscope::OutputFormat;
  CHECK(numscope::render_to_string(r, {OutputFormat::kMarkdown, ""}) ==
        "| name | max |\n| :--- | ---: |\n| fp16 | 65504 |\n| a\\|b | x,y |\n");
  CHECK(numscope::render_to_string(r, {OutputFormat::kCsv, ""}) == "name,max,hidden\nfp16,65504,16\na|b,0.1,\n");
  const auto j = nlohmann::json::parse(numscope::render_to_string(r, {OutputFormat::kJson, ""}));
  CHECK(j["tables"]["demo"][0]["hidden"] == 16);
  CHECK(j["tables"]["demo"][0]["max"] == "65504");
  CHECK(j["tables"]["demo"][0]["max_f64"] == 65504.0);
  CHECK(j["tables"]["demo"][1]["hidden"].is_null());
  CHECK(numscope::display_width("精度abc") == 7);
}

TEST_CASE("args: options, values, negative numbers as values", "[cli][args]") {
  CommandSpec spec{"x", "", "x V...", "", {{"rounding", 'r', "MODE", ""}, {"saturate", 0, "", ""}}, 1, -1};
  std::vector<std::string> argv = {"-1.5", "--rounding=rtz", "-0", "--saturate", "-o", "md", "-inf"};
  const Args a = parse_args(spec, argv);
  CHECK(a.positional == std::vector<std::string>{"-1.5", "-0", "-inf"});
  CHECK(a.get("rounding") == "rtz");
  CHECK(a.has("saturate"));
  CHECK(a.output == numscope::OutputFormat::kMarkdown);
  std::vector<std::string> bad1 = {"1", "--nope"}, bad2 = {"1", "--rounding"}, bad3 = {"1", "--saturate=1"}, bad4 = {};
  CHECK_THROWS_AS(parse_args(spec, bad1), numscope::InputError);
  CHECK_THROWS_AS(parse_args(spec, bad2), numscope::InputError);
  CHECK_THROWS_AS(parse_args(spec, bad3), numscope::InputError);
  CHECK_THROWS_AS(parse_args(spec, bad4), numscope::InputError);
}

TEST_CASE("store -o json: the issue's published figures", "[cli][store]") {
  const Run r = run({"store", "123456.789", "-o", "json"});
  REQUIRE(r.rc == 0);
  const auto j = nlohmann::json::parse(r.out)["tables"]["store"];
  std::map<std::string, nlohmann::json> by;
  for (const auto& row : j) by[row["format"]] = row;
  CHECK(by["bf16"]["stored"] == "123392");          // not 123456.8 as a seed note claims
  CHECK(by["bf16"]["bits"] == "0x47f1");
  CHECK(by["fp32"]["stored"] == "123456.7890625");
  CHECK(by["e5m2"]["stored"] == "inf");             // e5m2's max is 57344
  CHECK(by["e5m2"]["status"] == "overflow");
  CHECK(by["fp16"]["stored"] == "inf");
  CHECK(by["e4m3"]["stored"] == "nan");             // OFP8 E4M3 has no inf
  CHECK(by["int8"]["stored"] == "127");
  CHECK(by["int8"]["status"] == "saturated");
  CHECK(by["fp32"]["abs_error"] == "0.0000625");    // 123456.7890625 - 123456.789
}

TEST_CASE("formats -o json: keys and exact values", "[cli][formats]") {
  const Run r = run({"formats", "fp16", "e4m3", "e5m2", "bf16", "-o", "json"});
  REQUIRE(r.rc == 0);
  const auto j = nlohmann::json::parse(r.out)["tables"]["floats"];
  CHECK(j[0]["max"] == "65504");
  CHECK(j[0]["min_subnormal"] == "0.000000059604644775390625");  // 2^-24
  CHECK(j[0]["has_inf"] == true);
  CHECK(j[1]["max"] == "448");
  CHECK(j[1]["nan_encoding"] == "S.1111.111");
  CHECK(j[2]["max"] == "57344");
  CHECK(j[3]["max"] == "338953138925153547590470800371487866880");  // (2 - 2^-7) · 2^127 = 2^128 - 2^120
  for (const char* key : {"name", "bits", "exponent_bits", "mantissa_bits", "bias", "max", "min_normal",
                          "min_subnormal", "epsilon", "decimal_digits", "has_inf", "nan_encoding"})
    CHECK(j[0].contains(key));
}

TEST_CASE("values e2m1: the OCP MX FP4 value set", "[cli][values]") {
  const Run r = run({"values", "e2m1", "-o", "json"});
  REQUIRE(r.rc == 0);
  const auto j = nlohmann::json::parse(r.out)["tables"]["values"];
  REQUIRE(j.size() == 16);
  const char* expected[] = {"0", "0.5", "1", "1.5", "2", "3", "4", "6"};  // OCP MX v1.0 Table 5
  for (int i = 0; i < 8; ++i) {
    CHECK(j[i]["value"] == expected[i]);
    CHECK(j[i + 8]["value"] == (i == 0 ? std::string("-0") : "-" + std::string(expected[i])));
  }
}

TEST_CASE("exit codes and one-line errors", "[cli]") {
  CHECK(run({"--version"}).rc == 0);
  CHECK(run({"--help"}).rc == 0);
  CHECK(run({"store", "--help"}).rc == 0);
  const Run bad = run({"store", "12x"});
  CHECK(bad.rc == 2);
  CHECK(bad.out.empty());
  CHECK(std::count(bad.err.begin(), bad.err.end(), '\n') == 1);
}

TEST_CASE("memory: the flags and --help come from the option table, one row per option", "[cli][memory]") {
  const Run help = run({"memory", "--help"});
  REQUIRE(help.rc == 0);
  for (const numscope::memory::Option& o : numscope::memory::options()) {
    CAPTURE(o.name);
    CHECK(help.out.find("--" + std::string(o.name)) != std::string::npos);
    CHECK(numscope::memory::find_option(o.name) == &o);
    CHECK(numscope::memory::option_keys().find(std::string(o.name)) != std::string::npos);
  }
  // A switch takes no value on the command line and "true"/"" through set_option.
  CHECK(run({"memory", "--params", "7B", "--tied=yes"}).rc == 2);
  numscope::memory::MemoryRequest r;
  numscope::memory::set_option(r, "KV_Heads", " 8 ");
  CHECK(r.kv_heads == 8);
  numscope::memory::set_option(r, "--sequence-parallel", "");
  CHECK(r.sequence_parallel);
  CHECK_THROWS_WITH(numscope::memory::set_option(r, "bogus", "1"), Catch::Contains("accepted: model, config"));
}

TEST_CASE("memory: bytes per element print exact, or marked rounded", "[cli][memory]") {
  // int4-g128: 4 bits + an fp16 scale per 128 = 66/128 B, exactly 0.515625; nf4-dq (4 + 8/64 + 32/16384 bits) / 8.
  CHECK(run({"memory", "--model", "llama-3.1-8b", "--weights", "int4-g128"}).out.find(" 0.515625 ") !=
        std::string::npos);
  CHECK(run({"memory", "--params", "7B", "--weights", "nf4-dq"}).out.find(" 0.515869140625 ") != std::string::npos);
  // DeepSeek-V3's fp8 linear layers with fp32 scales per 128×128 block: 669,228,962,144 B / 669,065,609,216
  // elements does not end in decimal (partial blocks), so it prints rounded, with "≈".
  const Run v3 = run({"memory", "--model", "deepseek-v3"});
  CHECK(v3.out.find(" ≈1.000244151 ") != std::string::npos);
  CHECK(v3.out.find("669,065,609,216") != std::string::npos);
}
