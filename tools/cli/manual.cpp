// numscope(1) and the bash/zsh completion scripts, written from the command tables (commands(), common_options(),
// memory/options.h through the memory command's spec), so that they say what --help says.
#include "numscope/tools/cli/manual.h"

#include <algorithm>  // std::find
#include <cctype>     // std::isalnum, std::isupper

#include "numscope/formats/registry.h"
#include "numscope/formats/scheme.h"
#include "numscope/memory/model.h"
#include "numscope/support/error.h"
#include "numscope/tools/cli/command.h"

namespace numscope::cli {
namespace {

using Kind = ValueCompletion::Kind;

std::vector<std::string> format_names() {
  std::vector<std::string> out;
  for (const Format& f : builtin_formats()) out.emplace_back(f.name);
  return out;
}

std::vector<std::string> model_names() {
  std::vector<std::string> out;
  for (const auto& a : memory::presets()) out.push_back(a.name);
  return out;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_'; }

/// The choices a help line lists as "a, b, c or d" (parenthesised remarks left out): "inference, train, lora or
/// qlora" -> {inference, train, lora, qlora}; "rne (default), rna, ... or stochastic" -> {rne, rna, ...}. Empty when
/// the help lists none.
std::vector<std::string> listed_choices(std::string_view help) {
  std::string s;
  int depth = 0;
  for (char c : help) {
    if (c == '(') ++depth;
    else if (c == ')') depth = depth > 0 ? depth - 1 : 0;
    else if (depth == 0) s += c;
  }
  // Words separated by ", " and a final " or ": scan for " or " and walk back over ", word" pieces.
  for (std::size_t at = s.find(" or "); at != std::string::npos; at = s.find(" or ", at + 1)) {
    std::size_t end = at + 4;
    while (end < s.size() && is_word_char(s[end])) ++end;
    std::string last = s.substr(at + 4, end - at - 4);
    if (last.empty() || !std::isalnum(static_cast<unsigned char>(last[0]))) continue;
    // The list ends the phrase ("... or 3", "... or json;"): "7B, 350M or an integer" lists no choices.
    if (end + 1 < s.size() && s[end] == ' ' && std::isalpha(static_cast<unsigned char>(s[end + 1]))) continue;
    std::vector<std::string> words{last};
    std::size_t pos = at;  // s[pos] is just past the word before " or "
    while (true) {
      while (pos > 0 && s[pos - 1] == ' ') --pos;
      std::size_t start = pos;
      while (start > 0 && is_word_char(s[start - 1])) --start;
      if (start == pos || !std::isalnum(static_cast<unsigned char>(s[start]))) break;
      words.insert(words.begin(), s.substr(start, pos - start));
      pos = start;
      while (pos > 0 && s[pos - 1] == ' ') --pos;
      if (pos == 0 || s[pos - 1] != ',') break;
      --pos;
    }
    if (words.size() >= 2) return words;
  }
  return {};
}

bool names_files(std::string_view value_name) {
  return value_name.find("FILE") != std::string_view::npos || value_name.find("PATH") != std::string_view::npos ||
         value_name.find("DIR") != std::string_view::npos;
}

/// Positional words of a usage line: the upper-case words not inside an option's group and not an option's value
/// ("numscope explain FORMAT VALUE [--rounding MODE]" -> FORMAT, VALUE).
std::vector<std::string> positional_words(const std::string& usage) {
  std::vector<std::string> out;
  std::vector<bool> skipped;  // one per open group: whether it is an option's group
  bool after_option = false;
  std::size_t i = 0;
  int word = 0;
  while (i < usage.size()) {
    while (i < usage.size() && usage[i] == ' ') ++i;
    std::size_t j = i;
    while (j < usage.size() && usage[j] != ' ') ++j;
    std::string tok = usage.substr(i, j - i);
    i = j;
    if (tok.empty() || word++ < 2) continue;  // "numscope", the command
    std::size_t b = 0;
    while (b < tok.size() && (tok[b] == '[' || tok[b] == '(')) {
      const std::size_t k = tok.find_first_not_of("[(", b);
      skipped.push_back(k != std::string::npos && tok[k] == '-');
      ++b;
    }
    std::string core = tok.substr(b);
    std::size_t closes = 0;
    while (!core.empty() && (core.back() == ']' || core.back() == ')' || core.back() == '.')) {
      if (core.back() != '.') ++closes;
      core.pop_back();
    }
    const bool in_option_group = std::find(skipped.begin(), skipped.end(), true) != skipped.end();
    const bool is_option = !core.empty() && core[0] == '-';
    const bool upper = !core.empty() && std::isupper(static_cast<unsigned char>(core[0]));
    if (!is_option && upper && !after_option && !in_option_group) out.push_back(core);
    after_option = is_option;
    for (; closes > 0 && !skipped.empty(); --closes) skipped.pop_back();
  }
  return out;
}

// ---- roff ----------------------------------------------------------------------------------------------------

/// Text for roff: backslashes escaped, a line never starting with a control character ('.' or '), and every
/// non-ASCII character as its \[uXXXX] escape (groff reads the page as Latin-1 unless preconv runs first).
std::string roff(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  bool line_start = true;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (line_start && (b == '.' || b == '\'')) out += "\\&";
    line_start = b == '\n';
    if (b < 0x80) {
      out += b == '\\' ? std::string("\\e") : std::string(1, static_cast<char>(b));
      ++i;
      continue;
    }
    const int len = (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
    char32_t cp = len == 1 ? 0xFFFD : b & (0x3f >> (len - 1));
    for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    i += len;
    std::string hex;
    for (int shift = cp > 0xFFFF ? 20 : 12; shift >= 0; shift -= 4) hex += kHex[(cp >> shift) & 15];
    out += "\\[u" + hex + "]";
  }
  return out;
}

/// An option name for roff, with \- for every hyphen (a minus sign that copies as '-').
std::string roff_option(std::string_view s) {
  std::string out;
  for (char c : s) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}

std::string man_option(const OptionSpec& o) {
  std::string s = ".TP\n";
  if (o.short_name) s += "\\fB\\-" + std::string(1, o.short_name) + "\\fR, ";
  s += "\\fB" + roff_option("--" + o.name) + "\\fR";
  if (!o.value_name.empty()) s += " \\fI" + roff(o.value_name) + "\\fR";
  return s + "\n" + roff(o.help) + (o.repeatable ? " (repeatable)" : "") + "\n";
}

// ---- shells --------------------------------------------------------------------------------------------------

std::string joined(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += (s.empty() ? "" : " ") + w;
  return s;
}

std::string option_words(const CommandSpec& spec) {
  std::vector<std::string> words;
  auto add = [&](const OptionSpec& o) {
    if (o.short_name) words.push_back(std::string("-") + o.short_name);
    words.push_back("--" + o.name);
  };
  for (const auto& o : spec.options) add(o);
  for (const auto& o : common_options(spec)) add(o);
  return joined(words);
}

/// The bash statement that completes a value of this kind (COMPREPLY from $cur).
std::string bash_action(const ValueCompletion& v) {
  switch (v.kind) {
    case Kind::kWords: return "COMPREPLY=($(compgen -W '" + joined(v.words) + "' -- \"$cur\"))";
    case Kind::kFiles: return "compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$cur\"))";
    case Kind::kNone: return "COMPREPLY=()";
  }
  return "COMPREPLY=()";
}

std::string bash_script() {
  std::string cmds;
  for (const auto& c : commands()) cmds += (cmds.empty() ? "" : " ") + c.spec.name;
  std::string s =
      "# bash completion for numscope, generated by `numscope completion bash` from the command tables (the same\n"
      "# as --help). Install: copy to /usr/share/bash-completion/completions/numscope, or: source <(numscope "
      "completion bash)\n"
      "_numscope() {\n"
      "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
      "  if [[ $cur == --*=* ]]; then prev=${cur%%=*}; cur=${cur#*=}; fi\n"
      "  if [[ $prev == = && $COMP_CWORD -ge 2 ]]; then prev=${COMP_WORDS[COMP_CWORD-2]}; fi\n"
      "  if [[ $COMP_CWORD -eq 1 ]]; then\n"
      "    COMPREPLY=($(compgen -W '" + cmds + " help --help --version' -- \"$cur\"))\n"
      "    return\n"
      "  fi\n"
      "  case ${COMP_WORDS[1]} in\n";
  for (const auto& c : commands()) {
    s += "    " + c.spec.name + ")\n      case $prev in\n";
    std::vector<OptionSpec> all = c.spec.options;
    for (const auto& o : common_options(c.spec)) all.push_back(o);
    for (const auto& o : all) {
      if (o.value_name.empty()) continue;
      std::string pattern = "--" + o.name;
      if (o.short_name) pattern = std::string("-") + o.short_name + "|" + pattern;
      s += "        " + pattern + ") " + bash_action(option_completion(o)) + "; return ;;\n";
    }
    s += "      esac\n";
    s += "      if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W '" + option_words(c.spec) +
         "' -- \"$cur\")); return; fi\n";
    s += "      " + bash_action(positional_completion(c.spec)) + " ;;\n";
  }
  s += "    help) COMPREPLY=($(compgen -W '" + cmds + " --man' -- \"$cur\")) ;;\n";
  s += "  esac\n}\ncomplete -F _numscope numscope\n";
  return s;
}

/// Text inside a zsh single-quoted _arguments description: quotes closed and reopened, brackets and colons
/// escaped.
std::string zsh_text(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else if (c == '[' || c == ']' || c == ':' || c == '\\') out += std::string("\\") + c;
    else out += c;
  }
  return out;
}

std::string zsh_action(const ValueCompletion& v) {
  switch (v.kind) {
    case Kind::kWords: return "(" + joined(v.words) + ")";
    case Kind::kFiles: return "_files";
    case Kind::kNone: return " ";
  }
  return " ";
}

std::string zsh_option(const OptionSpec& o) {
  std::string names = "--" + o.name;
  std::string spec;
  const std::string value = o.value_name.empty() ? "" : (o.short_name ? "+" : "");
  const std::string star = o.repeatable ? "*" : "";
  const std::string desc = "[" + zsh_text(o.help) + "]";
  const std::string arg = o.value_name.empty()
                              ? ""
                              : ":" + zsh_text(o.value_name) + ":" + zsh_text(zsh_action(option_completion(o)));
  if (o.short_name) {
    const std::string s = std::string("-") + o.short_name;
    const std::string excl = o.repeatable ? "*" : "(" + s + " " + names + ")";
    return "'" + excl + "'{" + s + value + "," + names + (o.value_name.empty() ? "" : "=") + "}'" + desc + arg + "'";
  }
  return "'" + star + names + (o.value_name.empty() ? "" : "=") + desc + arg + "'";
}

std::string zsh_script() {
  std::string s =
      "#compdef numscope\n"
      "# zsh completion for numscope, generated by `numscope completion zsh` from the command tables (the same as\n"
      "# --help). Install: copy to a folder of $fpath as _numscope, or: source <(numscope completion zsh)\n"
      "_numscope() {\n"
      "  if (( CURRENT == 2 )); then\n"
      "    local -a commands\n"
      "    commands=(\n";
  for (const auto& c : commands()) s += "      '" + zsh_text(c.spec.name) + ":" + zsh_text(c.spec.summary) + "'\n";
  s += "      'help:a command'\\''s options, or --man for the manual page'\n"
       "    )\n"
       "    _describe -t commands 'numscope command' commands\n"
       "    return\n"
       "  fi\n"
       "  local cmd=${words[2]}\n"
       "  shift words\n"
       "  (( CURRENT-- ))\n"
       "  case $cmd in\n";
  for (const auto& c : commands()) {
    s += "    " + c.spec.name + ")\n      _arguments -s -S";
    for (const auto& o : c.spec.options) s += " \\\n        " + zsh_option(o);
    for (const auto& o : common_options(c.spec)) s += " \\\n        " + zsh_option(o);
    const ValueCompletion p = positional_completion(c.spec);
    if (c.spec.max_positional != 0)
      s += " \\\n        '*:argument:" + zsh_text(zsh_action(p)) + "'";
    s += " ;;\n";
  }
  std::string cmds;
  for (const auto& c : commands()) cmds += (cmds.empty() ? "" : " ") + c.spec.name;
  s += "    help) _arguments '--man[the manual page in roff]' '1:command:(" + cmds + ")' ;;\n"
       "  esac\n"
       "}\n"
       "if [[ $funcstack[1] == _numscope ]]; then _numscope \"$@\"; else compdef _numscope numscope; fi\n";
  return s;
}

}  // namespace

ValueCompletion option_completion(const OptionSpec& o) {
  static const std::vector<std::string> kFormatOptions = {"formats", "from", "to", "format", "weights", "grads",
                                                           "master", "optimizer-dtype", "kv", "dtype"};
  if (names_files(o.value_name)) return {Kind::kFiles, {}};
  if (std::find(kFormatOptions.begin(), kFormatOptions.end(), o.name) != kFormatOptions.end())
    return {Kind::kWords, format_names()};
  if (o.name == "schemes" || o.name == "dump-scheme") return {Kind::kWords, default_scheme_names()};
  if (o.name == "model") return {Kind::kWords, model_names()};
  // A number's placeholder never takes listed words ("the largest magnitude in weights, activations or gradients").
  static const std::vector<std::string> kNumbers = {"N", "X", "B", "S", "K", "R", "D", "BYTES"};
  if (std::find(kNumbers.begin(), kNumbers.end(), o.value_name) != kNumbers.end()) return {};
  std::vector<std::string> choices = listed_choices(o.help);
  if (!choices.empty()) return {Kind::kWords, std::move(choices)};
  return {};
}

ValueCompletion positional_completion(const CommandSpec& spec) {
  const std::vector<std::string> words = positional_words(spec.usage);
  if (words.empty()) return {};
  if (words[0].find("FORMAT") != std::string::npos) return {Kind::kWords, format_names()};
  if (words[0] == "SHELL") return {Kind::kWords, {"bash", "zsh"}};
  if (names_files(words[0])) return {Kind::kFiles, {}};
  return {};
}

std::string man_page() {
  std::string s = ".TH NUMSCOPE 1 \"\" \"numscope " NUMSCOPE_VERSION "\" \"User Commands\"\n"
                  ".SH NAME\nnumscope \\- bit\\-exact numeric formats of machine learning, LLM memory and "
                  "quantization\n"
                  ".SH SYNOPSIS\n.B numscope\n.I COMMAND\n[\\fIARGS\\fR] [\\fB\\-o\\fR table|md|csv|json]\n.br\n"
                  ".B numscope\n.I COMMAND\n\\fB\\-\\-help\\fR\n"
                  ".SH DESCRIPTION\n" +
                  roff(std::string(program_description())) +
                  "\n.SH COMMANDS\n";
  for (const auto& c : commands()) {
    s += ".SS \"" + roff(c.spec.name) + "\"\n" + roff(c.spec.summary) + ".\n.PP\n\\fBUsage:\\fR " +
         roff(c.spec.usage) + "\n";
    for (const auto& o : c.spec.options) s += man_option(o);
    if (!c.spec.renders) s += ".PP\nIt writes its output as it is, so of the common options it takes only \\-h/\\-\\-help.\n";
    if (!c.spec.details.empty()) s += ".PP\n.nf\n" + roff(c.spec.details) + "\n.fi\n";
  }
  s += ".SH COMMON OPTIONS\nEvery command that prints tables takes these:\n";
  for (const auto& o : common_options()) s += man_option(o);
  s += ".SH EXIT STATUS\n.nf\n" + roff(exit_status_text()) + "\n.fi\n";
  s += ".SH ENVIRONMENT\n.nf\n" + roff(environment_text()) + "\n.fi\n";
  s += ".SH SEE ALSO\nThe documentation pages in the source tree: docs/formats.md, docs/memory.md, docs/quantize.md, "
       "docs/check.md, docs/install.md.\n";
  return s;
}

std::string completion_script(std::string_view shell) {
  if (shell == "bash") return bash_script();
  if (shell == "zsh") return zsh_script();
  throw InputError("completion scripts are written for bash or zsh, not '" + std::string(shell.substr(0, 60)) + "'");
}

}  // namespace numscope::cli
