// The linear JSON parse of json.h: nlohmann's SAX parser feeding a DOM builder that keeps a stack of open
// containers, so every value is placed in O(log members) and nothing is ever rescanned.
#include "numscope/support/json.h"

#include <atomic>  // std::atomic: the process-wide event counter
#include <vector>  // std::vector

namespace numscope {
namespace {

using Json = nlohmann::json;

std::atomic<std::uint64_t> g_events{0};

class DomBuilder : public nlohmann::json_sax<Json> {
 public:
  explicit DomBuilder(const JsonLimits& limits) : limits_(limits) {}
  Json root;
  std::uint64_t events = 0;
  std::string error;  // the parser's message when parse_error was called

  bool null() override { return place(Json(nullptr)); }
  bool boolean(bool v) override { return place(Json(v)); }
  bool number_integer(number_integer_t v) override { return place(Json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return place(Json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return place(Json(v)); }
  bool string(string_t& v) override { return place(Json(std::move(v))); }
  bool binary(binary_t& v) override { return place(Json::binary(std::move(v))); }
  bool start_object(std::size_t) override { return open(Json::object()); }
  bool start_array(std::size_t) override { return open(Json::array()); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    ++events;
    Json& object = *stack_.back();
    if (static_cast<int>(stack_.size()) == limits_.unique_keys_depth && object.contains(k))
      throw JsonError(JsonError::Kind::kDuplicateKey, "duplicate key '" + k + "'", k);
    key_ = std::move(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) override {
    error = ex.what();
    return false;
  }

 private:
  /// Puts `v` where the parse is (the root, the end of the open array, or the open object under the last key)
  /// and returns its address, which stays valid while it is open: nothing is added to its parent meanwhile.
  Json* put(Json&& v) {
    ++events;
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    Json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    Json& slot = parent[key_];
    slot = std::move(v);
    return &slot;
  }
  bool place(Json&& v) {
    put(std::move(v));
    return true;
  }
  bool open(Json&& v) {
    if (static_cast<int>(stack_.size()) >= limits_.max_depth)
      throw JsonError(JsonError::Kind::kDepth, "nested more than " + std::to_string(limits_.max_depth) +
                                                   " levels deep", std::to_string(limits_.max_depth));
    stack_.push_back(put(std::move(v)));
    return true;
  }
  bool close() {
    ++events;
    stack_.pop_back();
    return true;
  }

  const JsonLimits& limits_;
  std::vector<Json*> stack_;
  std::string key_;
};

}  // namespace

nlohmann::json parse_json(std::string_view text, const JsonLimits& limits) {
  DomBuilder b(limits);
  bool ok = false;
  try {
    ok = Json::sax_parse(text.begin(), text.end(), &b);
  } catch (const nlohmann::json::exception& e) {  // defensive: the lexer reports through parse_error
    b.error = e.what();
  } catch (...) {
    g_events += b.events;
    throw;
  }
  g_events += b.events;
  if (!ok) throw JsonError(JsonError::Kind::kSyntax, "not valid JSON (" + b.error + ")", b.error);
  return std::move(b.root);
}

std::uint64_t json_events_total() { return g_events.load(); }

}  // namespace numscope
