// The web page's door into numscope: C exports that take a request as JSON, call one api function and return
// the JSON document `numscope ... -o json` prints for the same request, or the CLI's one-line error.
//
// The page (web/app.js) has no number logic of its own: every value, status, formula and table it shows comes
// from here, rendered by support/render.h, so the page and the CLI cannot disagree. Request keys are the CLI's
// option names (docs/web.md):
//   formats  {"formats": ["bf16", "e6m9:bias=20"], "exact": false}
//   store    {"values": ["123456.789"], "formats": ["bf16,e4m3"], "rounding": "rne", "saturate": false,
//             "ftz": false, "seed": 1, "scale": "1/127"}
//   explain  {"format": "bf16", "value": "123456.789" | "bits": "0x47f1", "rounding": ..., "saturate": ...}
//   values   {"format": "e2m1", "finite_only": false}
//   memory   {"options": [["model", "llama-3-8b"], ["gpu", "H100-80GB"]], "list_models": false, "list_gpus": false}
// A GGUF file chosen in the page is read there only up to the end of its tensor table (numscope_gguf below).
#include <exception>  // std::exception
#include <map>        // std::map
#include <memory>     // std::shared_ptr
#include <span>       // std::span
#include <string>     // std::string

#include <nlohmann/json.hpp>

#include "numscope/api/explain.h"
#include "numscope/api/formats.h"
#include "numscope/api/memory.h"
#include "numscope/api/store.h"
#include "numscope/api/values.h"
#include "numscope/formats/engine.h"
#include "numscope/formats/registry.h"
#include "numscope/io/gguf.h"
#include "numscope/memory/gguf_model.h"
#include "numscope/memory/options.h"
#include "numscope/support/error.h"
#include "numscope/support/render.h"

namespace numscope::web {
namespace {

using nlohmann::json;

std::string text(const json& j, const char* key, std::string fallback = "") {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  if (it->is_string()) return it->get<std::string>();
  return it->dump();  // a number typed into a field arrives as a number
}
bool flag(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && (it->is_boolean() ? it->get<bool>() : it->is_string() && it->get<std::string>() == "true");
}
std::vector<std::string> texts(const json& j, const char* key) {
  std::vector<std::string> out;
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) return {text(j, key)};
  for (const json& v : *it) out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

/// GGUF files read by the page (numscope_gguf), by the name option gguf=NAME gives.
std::map<std::string, std::shared_ptr<const memory::GgufModel>>& gguf_models() {
  static std::map<std::string, std::shared_ptr<const memory::GgufModel>> models;
  return models;
}

/// --rounding, --saturate, --ftz, --seed as the CLI reads them (tools/cli/common.cpp conversion_from).
api::Conversion conversion(const json& j) {
  api::Conversion c;
  c.rounding = text(j, "rounding", c.rounding);
  c.saturate = flag(j, "saturate");
  c.ftz = flag(j, "ftz");
  if (const std::string seed = text(j, "seed"); !seed.empty()) {
    // The CLI reads --seed as tools/cli/args.cpp get_int(0 .. 999999999999999999) does, with its message.
    bool ok = seed.size() <= 18;
    std::uint64_t v = 0;
    for (const char ch : seed) ok = ok && ch >= '0' && ch <= '9', v = v * 10 + static_cast<unsigned>(ch - '0');
    if (!ok) throw InputError("--seed takes an integer from 0 to 999999999999999999, not '" + seed + "'");
    c.seed = v;
  }
  return c;
}

/// The exact value of a code ("0x47f1", "0b0100..."): the input that explains it (a clicked bit). NaN codes all
/// read "nan", which explain shows as the format's canonical NaN.
std::string value_of_code(const std::string& format, const std::string& code_text) {
  const Format f = find_format(format);
  const std::string bad = "--bits '" + code_text + "' is not a code of " + std::string(f.name) + " (" +
                          std::to_string(bits(f)) + " bits): give hex 0x... or binary 0b...";
  int base = 16;
  std::string digits = code_text;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) digits = digits.substr(2);
  else if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'b' || digits[1] == 'B')) base = 2, digits = digits.substr(2);
  if (digits.empty() || digits.size() > 128) throw InputError(bad);
  u128 code = 0;
  for (const char c : digits) {
    const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
    if (v >= base || (code >> 120) != 0) throw InputError(bad);
    code = code * base + v;
  }
  if (bits(f) < 128 && (code >> bits(f)) != 0) throw InputError(bad);
  const Decoded d = decode(f, code);
  return d.cls == ValueClass::kNan ? "nan" : exact_decimal(d.number());
}

Result call(const std::string& command, const json& j) {
  if (command == "formats") return api::formats({.formats = texts(j, "formats"), .exact = flag(j, "exact")});
  if (command == "store") {
    api::StoreRequest r;
    r.values = texts(j, "values");
    r.formats = texts(j, "formats");
    r.conversion = conversion(j);
    if (const std::string scale = text(j, "scale"); !scale.empty()) r.scale = scale;
    return api::store(r);
  }
  if (command == "explain") {
    api::ExplainRequest r{.format = text(j, "format"), .value = text(j, "value"), .conversion = conversion(j)};
    if (const std::string bits = text(j, "bits"); !bits.empty()) r.value = value_of_code(r.format, bits);
    return api::explain(r);
  }
  if (command == "values")
    return api::values({.format = text(j, "format"), .finite_only = flag(j, "finite_only")});
  if (command == "memory") {
    api::MemoryRequest r;
    r.list_models = flag(j, "list_models");
    r.list_gpus = flag(j, "list_gpus");
    if (const auto it = j.find("options"); it != j.end() && it->is_array())
      for (const json& kv : *it)
        if (kv.is_array() && kv.size() == 2)
          r.options.emplace_back(kv[0].get<std::string>(), kv[1].is_string() ? kv[1].get<std::string>() : kv[1].dump());
    for (const auto& [key, value] : r.options)
      if (memory::canonical_key(key) == "gguf")
        if (const auto it = gguf_models().find(value); it != gguf_models().end()) r.gguf_model = it->second;
    return api::memory(r);
  }
  if (command == "memory-options") {  // the estimator's option rows, from which the page builds its form
    Result r;
    r.command = "memory-options";
    Table t;
    t.name = "options";
    t.columns = {{"name", "name"}, {"value_name", "value"}, {"help", "help"}, {"default", "default"},
                 {"repeatable", "repeatable", ColumnType::kFlag}};
    for (const memory::Option& o : memory::options())
      t.add({Cell::text(std::string(o.name)), Cell::text(std::string(o.value_name)), Cell::text(std::string(o.help)),
             Cell::text(std::string(o.fallback)), Cell::flag(o.repeatable)});
    r.tables.push_back(std::move(t));
    return r;
  }
  throw InputError("unknown command '" + command + "': expected one of formats, store, explain, values, memory");
}

std::string error_document(const std::string& line) { return json{{"error", line}}.dump(); }


const char* kind_name(Cell::Kind k) {
  switch (k) {
    case Cell::Kind::kExact: return "exact";
    case Cell::Kind::kInteger: return "integer";
    case Cell::Kind::kFloat: return "float";
    case Cell::Kind::kText: return "text";
    case Cell::Kind::kFlag: return "flag";
    default: return "null";
  }
}
const char* shown_name(Shown s) {
  return s == Shown::kDisplayOnly ? "display" : s == Shown::kDataOnly ? "data" : "everywhere";
}

/// What the text output shows beside what -o json holds: every table with all its columns (display-only ones
/// too: GB, GiB), each cell's raw value `v` (the JSON value's text) and display form `d` (the text table's), the
/// titles and notes in text order. The page lays its tables out from this, generically.
json view(const Result& r) {
  json tables = json::array();
  for (const Table& t : r.tables) {
    json columns = json::array(), rows = json::array();
    for (const Column& c : t.columns)
      columns.push_back({{"key", c.key}, {"label", c.label}, {"type", std::string(type_name(c.type))},
                         {"align", c.align == Align::kRight ? "right" : "left"}, {"shown", shown_name(c.shown)}});
    for (const auto& row : t.rows) {
      json cells = json::array();
      for (const Cell& c : row) cells.push_back({{"k", kind_name(c.kind)}, {"v", c.value}, {"d", c.shown()}});
      rows.push_back(std::move(cells));
    }
    tables.push_back({{"name", t.name}, {"title", t.title}, {"transposed", t.transposed}, {"columns", columns},
                      {"rows", rows}, {"notes", t.notes}});
  }
  return {{"command", r.command}, {"tables", tables}, {"intro", r.intro}, {"notes", r.notes},
          {"errors", r.errors}, {"status", r.status}};
}

}  // namespace

/// The answer to one request: {"json": the -o json document's text, byte for byte, "view": view(result)}, or
/// {"error": "numscope: <the CLI's line>"}.
std::string run(const std::string& command, const std::string& request_json) {
  try {
    const json j = json::parse(request_json);
    const Result r = call(command, j);
    return json{{"json", render_to_string(r, RenderOptions{OutputFormat::kJson, ""})}, {"view", view(r)}}.dump();
  } catch (const InputError& e) {
    return error_document(std::string("numscope: ") + e.what());  // one line already (support/error.h)
  } catch (const json::exception& e) {
    return error_document(std::string("numscope: internal error: the page sent a malformed request: ") + e.what());
  } catch (const std::exception& e) {
    return error_document("numscope: internal error: " + escape_controls(e.what()) + " (please report it)");
  }
}

/// Reads the model of a GGUF file of `file_size` bytes from its first `n` bytes: {"ok": true}, {"more": true}
/// when the header or tensor table goes on past them, or {"error": line}.
std::string gguf(const std::string& name, const unsigned char* bytes, std::size_t n, std::uint64_t file_size) {
  try {
    const GgufFile g = parse_gguf_head(std::span<const unsigned char>(bytes, n), file_size, name);
    gguf_models()[name] = std::make_shared<const memory::GgufModel>(memory::gguf_model(g, name));
    return json{{"ok", true}}.dump();
  } catch (const InputError& e) {
    if (n < file_size) return json{{"more", true}}.dump();  // a cut header reads as a malformed one: read more
    return error_document(std::string("numscope: ") + e.what());
  } catch (const std::exception& e) {
    return error_document("numscope: internal error: " + escape_controls(e.what()) + " (please report it)");
  }
}

}  // namespace numscope::web

extern "C" {

/// JavaScript: ccall("numscope_gguf", "string", ["string", "number", "number", "number"], [name, ptr, n, size])
/// with the file's first n bytes at ptr; then memory requests with gguf=NAME use this model.
const char* numscope_gguf(const char* name, const unsigned char* bytes, std::size_t n, double file_size) {
  static std::string answer;
  answer = numscope::web::gguf(name ? name : "", bytes, n, static_cast<std::uint64_t>(file_size));
  return answer.c_str();
}

/// JavaScript: Module.ccall("numscope_run", "string", ["string", "string"], [command, JSON.stringify(request)]).
/// The returned text stays valid until the next call (the page is single-threaded).
const char* numscope_run(const char* command, const char* request_json) {
  static std::string answer;
  answer = numscope::web::run(command ? command : "", request_json ? request_json : "{}");
  return answer.c_str();
}

}  // extern "C"
