// The GPU catalog (see gpu.h): memory/gpus.json, embedded at build time, parsed once; cards the user describes.
#include "numscope/memory/gpu.h"

#include <algorithm>          // std::find
#include <cctype>             // std::tolower, std::isalnum
#include <cmath>              // std::floor
#include <nlohmann/json.hpp>  // nlohmann::json: the catalog's data file
#include <stdexcept>          // std::logic_error

#include "numscope/formats/number.h"
#include "numscope/memory/plan.h"
#include "numscope/support/ascii.h"
#include "numscope/support/error.h"
#include "numscope/support/units.h"

namespace numscope::memory {
namespace detail {
extern const char* const kGpusJson;  // memory/gpus.json, embedded by memory/CMakeLists.txt (gpus_json.cpp.in)
}  // namespace detail

namespace {

constexpr double kMaxBytes = 1152921504606846976.0;  // 2^60: no memory size beyond an exbibyte is meant

std::string fold(std::string_view s) {
  std::string r;
  for (char c : s)
    if (std::isalnum(static_cast<unsigned char>(c))) r += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

// The catalog is our own data: a malformed entry is a build defect (the unit tests load it), never user input.
[[noreturn]] void bad_catalog(const std::string& what) {
  throw std::logic_error("memory/gpus.json: " + what);
}

std::vector<Gpu> load_catalog() {
  const nlohmann::json doc = nlohmann::json::parse(detail::kGpusJson);
  const nlohmann::json& gens = doc.at("generations");
  std::vector<Gpu> out;
  for (const nlohmann::json& j : doc.at("gpus")) {
    Gpu g;
    g.name = j.at("name").get<std::string>();
    g.aliases = j.at("aliases").get<std::vector<std::string>>();
    g.generation = j.at("generation").get<std::string>();
    if (!gens.contains(g.generation)) bad_catalog(g.name + ": unknown generation " + g.generation);
    const nlohmann::json& gen = gens.at(g.generation);
    g.vendor = gen.at("vendor").get<std::string>();
    g.native = gen.at("formats").get<std::vector<std::string>>();
    g.segment = j.at("segment").get<std::string>();
    g.marketed = j.at("marketed").get<std::string>();
    if (j.contains("memory_mib")) {
      const std::int64_t mib = j.at("memory_mib").get<std::int64_t>();
      g.capacity_bytes = mib * 1024 * 1024;
      g.reported = std::to_string(mib) + " MiB";
    } else {
      g.capacity_bytes = j.at("memory_bytes").get<std::int64_t>();
      g.reported = std::to_string(g.capacity_bytes) + " B";
    }
    if (g.capacity_bytes <= 0) bad_catalog(g.name + ": memory must be positive");
    g.capacity_source = j.at("memory_source").get<std::string>();
    g.bandwidth = j.at("bandwidth_gbs").get<double>() * 1e9;
    for (const auto& [format, tflops] : j.at("tflops").items()) {
      if (std::find(g.native.begin(), g.native.end(), format) == g.native.end())
        bad_catalog(g.name + ": " + format + " is not a native format of " + g.generation);
      g.peaks.push_back(Peak{format, tflops.get<double>() * 1e12});
    }
    g.spec_source = j.at("spec_source").get<std::string>();
    out.push_back(std::move(g));
  }
  return out;
}

const std::vector<Gpu>& catalog() {
  static const std::vector<Gpu> table = load_catalog();
  return table;
}

const Gpu* lookup(std::string_view name) {
  const std::string key = fold(name);
  if (key.empty()) return nullptr;
  for (const Gpu& g : catalog()) {
    if (fold(g.name) == key) return &g;
    for (const std::string& a : g.aliases)
      if (fold(a) == key) return &g;
  }
  return nullptr;
}

bool looks_like_size(std::string_view s) {
  return !s.empty() && (std::isdigit(static_cast<unsigned char>(s.front())) || s.front() == '.' || s.front() == '-' ||
                        s.front() == '+');
}

}  // namespace

std::optional<double> Gpu::peak(std::string_view format) const {
  for (const Peak& p : peaks)
    if (p.format == format) return p.flops;
  return std::nullopt;
}

bool Gpu::supports(std::string_view format) const {
  return std::find(native.begin(), native.end(), format) != native.end();
}

std::span<const Gpu> gpus() { return catalog(); }

std::string gpu_names() {
  std::string s;
  for (const Gpu& g : catalog()) s += (s.empty() ? "" : ", ") + g.name;
  return s;
}

const Gpu& find_gpu(std::string_view name) {
  if (const Gpu* g = lookup(name)) return *g;
  throw InputError("unknown GPU '" + std::string(name) + "'; the catalog (numscope memory --list-gpus): " +
                   gpu_names() + "; or give a size (--gpu 24GiB) or name:size (--gpu mycard:22GiB)");
}

Gpu parse_gpu(std::string_view spec_in) {
  const std::string spec = trim(spec_in);
  if (spec.empty()) throw InputError("--gpu needs a card: a catalog name (" + gpu_names() + "), a size or name:size");
  if (const Gpu* g = lookup(spec)) return *g;
  std::string name = spec, size;
  const std::size_t colon = spec.rfind(':');
  if (colon != std::string::npos) {
    name = trim(std::string_view(spec).substr(0, colon));
    size = trim(std::string_view(spec).substr(colon + 1));
    if (name.empty() || size.empty())
      throw InputError("--gpu '" + spec + "': give name:size, e.g. 2080ti-22g:22GiB or H100:94GiB");
  } else if (looks_like_size(spec)) {
    name.clear();
    size = spec;
  } else {
    find_gpu(spec);  // throws: unknown card, with the catalog
  }
  Gpu g;
  if (const Gpu* known = lookup(name)) g = *known;
  else {
    for (char c : name)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.' && c != ' ')
        throw InputError("--gpu name '" + name + "' may hold letters, digits, '-', '_', '.' and spaces only");
    g.name = name.empty() ? size : name + ":" + size;  // re-parses to the same card
    g.vendor = "-";
    g.generation = "-";
    g.segment = "custom";
    g.marketed = "-";
  }
  // support/units.h: the one table of byte units (24GiB, 2 GB, 80gb), exact, inf/nan/negatives refused.
  const double bytes = parse_byte_size(size, "--gpu size", false, kMaxBytes);
  g.capacity_bytes = static_cast<std::int64_t>(std::floor(bytes));
  if (g.capacity_bytes < 1024 * 1024)
    throw InputError("--gpu size '" + size + "' is below 1 MiB; give the card's memory, e.g. 24GiB");
  g.reported = size + " (given)";
  g.capacity_source = "given on the command line";
  g.custom = true;
  if (!name.empty() && lookup(name)) g.name = lookup(name)->name + ":" + size;
  return g;
}

std::vector<Gpu> parse_gpus(std::string_view list) {
  std::vector<Gpu> out;
  for (const std::string& item : split_list(list, "gpu")) out.push_back(parse_gpu(item));
  return out;
}

std::vector<Gpu> find_gpus(std::string_view list) {
  std::vector<Gpu> out;
  for (const std::string& item : split_list(list, "gpu")) out.push_back(find_gpu(item));
  return out;
}

}  // namespace numscope::memory
