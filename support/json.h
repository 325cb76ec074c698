// Linear-time JSON for files from anywhere (safetensors headers, config.json): a DOM built from SAX events with a
// nesting cap and optional refusal of duplicate keys, in time linear in the input.
//
// Why not nlohmann::json::parse(text, callback): its callback mode scans the enclosing object for discarded
// members at the end of every nested object (json_sax_dom_callback_parser::end_object, nlohmann 3.11), which is
// quadratic in the number of members: a safetensors header of 200,000 tensors took 654 s to open.
#pragma once

#include <cstdint>            // std::uint64_t
#include <nlohmann/json.hpp>  // nlohmann::json
#include <stdexcept>          // std::runtime_error
#include <string>             // std::string
#include <string_view>        // std::string_view

namespace numscope {

/// What a JSON parse refuses, besides malformed text.
struct JsonLimits {
  int max_depth = 32;           // objects and arrays nested deeper than this are refused while parsing
  int unique_keys_depth = -1;   // keys of objects at this depth (1 = the top object's members) must be unique
};

/// Why a JSON text was refused; the message says it without a file name, for callers to prefix.
struct JsonError : std::runtime_error {
  enum class Kind { kSyntax, kDepth, kDuplicateKey };
  JsonError(Kind k, const std::string& what, std::string detail_)
      : std::runtime_error(what), kind(k), detail(std::move(detail_)) {}
  Kind kind;
  std::string detail;  // kSyntax: the parser's message; kDuplicateKey: the key; kDepth: the limit
};

/// Parses `text` into a DOM, refusing what `limits` refuses. Throws JsonError. Duplicate keys that are not
/// refused keep the last value (as every JSON parser does). Work is linear in the input: one SAX event per
/// token, one map insertion per member.
nlohmann::json parse_json(std::string_view text, const JsonLimits& limits);

/// The SAX events processed by parse_json in this process so far (a work counter for tests: parsing twice the
/// members must cost twice the events, never more).
std::uint64_t json_events_total();

}  // namespace numscope
