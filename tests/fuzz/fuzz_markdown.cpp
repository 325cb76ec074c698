// libFuzzer target: the claim extractors of `numscope check` (claims_of_markdown, claims_of_text).
//
// Properties: neither throws; line numbers increase strictly and lie inside the text; each claim is non-empty,
// one line, without surrounding blanks, and is the piece of the line it comes from that starts at its offset
// (before any '#' comment); a Markdown claim is the plain-text claim of the rest of its line after its offset
// (block quote markers, list indentation), so Markdown never invents text the line does not have.
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "numscope/check/claims.h"
#include "tests/fuzz/fuzz_io.h"

using namespace numscope;

namespace {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

void check_lines(const std::vector<check::SourceLine>& claims, const std::vector<std::string_view>& lines,
                 std::string_view text, const char* what) {
  auto fail = [&](const std::string& why) {
    fuzz::fail("fuzz_markdown", std::string(what) + ": " + why + "\n  text: '" + std::string(text.substr(0, 300)) + "'");
  };
  int last = 0;
  for (const check::SourceLine& c : claims) {
    if (c.line <= last) fail("line numbers do not increase");
    if (c.line < 1 || static_cast<std::size_t>(c.line) > lines.size()) fail("a line number outside the text");
    last = c.line;
    if (c.text.empty()) fail("an empty claim");
    if (c.text.find('\n') != std::string::npos) fail("a claim of more than one line");
    const char first = c.text.front(), end = c.text.back();
    if (first == ' ' || first == '\t' || end == ' ' || end == '\t' || end == '\r') fail("a claim with surrounding blanks");
    const std::string_view line = lines[c.line - 1];
    if (c.offset < 0 || static_cast<std::size_t>(c.offset) + c.text.size() > line.size() ||
        line.substr(static_cast<std::size_t>(c.offset), c.text.size()) != c.text)
      fail("a claim that is not the piece of its line at its offset");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string_view> lines = split_lines(text);
  const std::vector<check::SourceLine> md = check::claims_of_markdown(text);
  const std::vector<check::SourceLine> plain = check::claims_of_text(text);
  check_lines(md, lines, text, "markdown");
  check_lines(plain, lines, text, "text");
  for (const auto& c : md) {
    // The plain reading of the line from the claim's offset on gives the same claim.
    const std::vector<check::SourceLine> again = check::claims_of_text(lines[c.line - 1].substr(c.offset));
    if (again.size() != 1 || again[0].text != c.text || again[0].offset != 0)
      fuzz::fail("fuzz_markdown", "a Markdown claim that the plain reading of its line does not give, line " +
                                      std::to_string(c.line));
  }
  return 0;
}
