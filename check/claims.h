// The claim language of `numscope check`: parse one claim, evaluate both sides exactly, and say TRUE or FALSE why.
//
// A claim is `LEFT RELATION RIGHT` (docs/check.md). Both sides are exact rationals: numbers in any notation the
// format engine parses, + - * / ^ with integer exponents, size units (B, KB..TB = 10^3k, KiB..TiB = 2^10k), and
// queries answered by the format engine (max, min_normal, store, ...) and the memory estimator (memory, params).
// Evaluation is bounded: exponents and intermediate sizes are capped (kMaxExponent, kMaxBits), so no claim can
// run for long or exhaust memory; a claim over the caps is refused with the reason.
#pragma once

#include <optional>     // std::optional
#include <string>       // std::string
#include <string_view>  // std::string_view
#include <vector>       // std::vector

#include "numscope/support/error.h"
#include "numscope/formats/number.h"

namespace numscope::check {

/// Bounds that keep every evaluation finite and fast.
inline constexpr long kMaxExponent = 1000000;      // |n| in x^n
inline constexpr long kMaxBits = 100000;           // bits of numerator + denominator of any value (~30000 digits)
inline constexpr int kMaxDepth = 100;              // nesting of parentheses and calls
inline constexpr std::size_t kMaxClaimLength = 100000;  // characters of one claim line
inline constexpr long kMaxWork = 2000000000;            // 64-bit word operations of exact arithmetic in one claim

/// A malformed or unevaluable claim: the message says what was expected; column is 1-based, in characters.
struct ClaimError : InputError {
  ClaimError(int col, const std::string& what) : InputError(what), column(col) {}
  int column;
};

enum class Verdict { kTrue, kFalse, kError };
std::string_view verdict_name(Verdict v);  // "TRUE", "FALSE", "ERROR"

/// A value of a claim: an exact number (or ±inf / NaN from store), or an irrational one (digits, log10)
/// approximated to 40 significant digits (`approx`).
struct Value {
  Number num;
  bool approx = false;
};

/// The outcome of one claim.
struct ClaimResult {
  std::string file;   // "" for text given directly
  int line = 0;       // 1-based line in the file
  int column = 0;     // of the error (kError), else 0
  std::string claim;  // as written, comments and surrounding blanks removed
  Verdict verdict = Verdict::kError;
  std::string left, left_rounded;    // exact text ("" when not evaluated) and a 6-digit rounded form
  std::string right, right_rounded;  // "" when the relation has no right side
  std::string left_exact, right_exact;  // every digit (JSON); left / right may be compact ("2^-149")
  std::optional<Value> left_value, right_value;  // the evaluated sides (nullopt when not evaluated)
  std::string reason;                // a sentence a reader can check; for errors, what was expected
};

/// Evaluates one claim (a line without its comment). Never throws for bad input: errors come back as kError
/// with the column and the message.
ClaimResult check_claim(std::string_view text);

/// Evaluates an expression (one side of a claim); throws ClaimError. For tests and `numscope check --eval`.
Value evaluate(std::string_view expression);

/// Text forms used in the results: the exact value, compact when long ("2^-149", "5·2^-20"), and rounded.
std::string exact_text(const Value& v);
std::string compact_text(const Value& v);
std::string rounded_text(const Value& v);

/// One claim line of a source: its line number and text (comment stripped, blanks trimmed, never empty).
struct SourceLine {
  int line = 0;
  std::string text;
  int offset = 0;  // characters before the claim on its line (indentation, '>' of block quotes, list markers)
};
/// The claims of a .claims file: every non-blank line after removing `#` comments.
std::vector<SourceLine> claims_of_text(std::string_view text);
/// The claims of a Markdown file: only the lines inside ```claims (or ~~~claims) fenced blocks, wherever they
/// are: at the top level, inside block quotes ("> ```claims") and inside list items; other fenced blocks are
/// skipped whole, even when they contain a ```claims line.
std::vector<SourceLine> claims_of_markdown(std::string_view text);

/// Checks every claim of the given files and folders (folders: every .claims, .md and .markdown file inside, in
/// any case, recursively, sorted). Markdown files contribute their ```claims blocks, other files every line. A
/// file or sub-folder that cannot be read (or a file over 64 MiB) is an ERROR result of its own (line 0) and the
/// rest are still checked; a path that is neither a file nor a folder throws InputError.
std::vector<ClaimResult> check_paths(const std::vector<std::string>& paths);
/// Checks the claims of one source text.
std::vector<ClaimResult> check_text(std::string_view text, bool markdown, const std::string& file = "");

}  // namespace numscope::check
