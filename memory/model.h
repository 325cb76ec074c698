// The models the memory estimator knows: built-in presets (each generated from a real or transcribed Hugging Face
// config.json, embedded at build time from memory/presets/), config.json parsing, and count parsing/printing.
//
// The architecture itself (what a model is, its exact parameter count, tensor inventory and KV sizes) is in
// architecture.h; config.cpp reads config.json per family; presets.cpp names the presets and their sources.
#pragma once

#include <cstdint>      // std::int64_t
#include <span>         // std::span
#include <string>       // std::string
#include <string_view>  // std::string_view

#include "numscope/memory/architecture.h"

namespace numscope::memory {

/// A built-in model: its architecture (read from its config.json) and where the config and the count come from.
struct Preset {
  Architecture arch;
  std::string base;  // the model it is a fine-tune or distillation of ("" for a base model)
};

/// The built-in presets, in the order of `numscope memory --list-models`.
std::span<const Preset> preset_list();
/// The architectures of the presets, same order (arch.name is the preset name, arch.source the config's origin).
std::span<const Architecture> presets();
/// Looks a preset up by name (case-insensitive), or by a Hub id of the same architecture ("meta-llama/Llama-3.2-1B-
/// Instruct", "gemma-3-27b-it": organisation, "Meta-", -instruct/-it/-chat/-base/-hf/-pt/-v0.1 dropped); throws
/// InputError naming the presets otherwise.
const Architecture& find_preset(std::string_view name);
/// The preset names, comma-separated, for error messages.
std::string preset_names();

/// Builds an architecture from the text of a Hugging Face config.json (see supported_families()). Throws
/// InputError naming the missing or malformed field, or the unsupported model_type with the supported ones.
Architecture parse_config_json(std::string_view text, std::string_view name = "config.json");
/// Reads and parses a config.json file, or DIR/config.json for a model directory; throws InputError when it
/// cannot be read.
Architecture load_config_json(const std::string& path);

/// Parses a parameter count: "7B", "1.5B", "350M", "70b", "2T", "125K" or an integer ("124439808").
/// The value must be a positive whole number of parameters. Throws InputError otherwise.
std::int64_t parse_param_count(std::string_view text);

/// "6,738,415,616"
std::string group_thousands(std::int64_t v);

/// A byte width or factor for a printed formula: at most 12 significant digits ("4.5", "0.5", "4.126953125").
std::string formula_number(double v);

}  // namespace numscope::memory
