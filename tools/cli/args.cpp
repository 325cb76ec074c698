// Command-line parsing against each command's declared options, and the help text built from them.
#include "numscope/tools/cli/args.h"

#include <cctype>  // std::isdigit

#include "numscope/support/error.h"
#include "numscope/support/suggest.h"

namespace numscope::cli {

const std::vector<OptionSpec>& common_options() {
  static const std::vector<OptionSpec> kCommon = {
      {"output", 'o', "FORMAT", "output format: table (aligned text, the default), md, csv or json"},
      {"table", 0, "NAME", "print only this table (CSV needs it when the command prints several)"},
      {"columns", 0, "KEYS", "print only these columns, in this order (comma-separated keys, as -o csv names them)"},
      {"no-notes", 0, "", "leave out the notes under the tables (text and md)"},
      {"bare", 0, "", "only the tables: no titles, intro or notes (text and md), for pasting"},
      {"width", 0, "N", "cut text tables wider than N characters into column groups (default: the terminal's "
                        "width when printing to one; 0: never)"},
      {"help", 'h', "", "print this help"},
  };
  return kCommon;
}

std::vector<OptionSpec> common_options(const CommandSpec& spec) {
  std::vector<OptionSpec> out;
  for (const auto& o : common_options())
    if (spec.renders || o.name == "help") out.push_back(o);
  return out;
}

namespace {

/// A common option `spec` refuses because it would be ignored: "-o json" of cast, which writes raw bytes.
[[noreturn]] void ignored(const CommandSpec& spec, const OptionSpec& o) {
  throw InputError("'numscope " + spec.name + "' writes its output as it is, not as a table: --" + o.name +
                   " does not apply to it (it would be ignored)");
}

const OptionSpec* find_long(const CommandSpec& spec, std::string_view name) {
  for (const auto& o : spec.options)
    if (o.name == name) return &o;
  for (const auto& o : common_options())
    if (o.name == name) {
      if (!spec.renders && o.name != "help") ignored(spec, o);
      return &o;
    }
  return nullptr;
}

const OptionSpec* find_short(const CommandSpec& spec, char c) {
  for (const auto& o : spec.options)
    if (o.short_name == c) return &o;
  for (const auto& o : common_options())
    if (o.short_name == c) {
      if (!spec.renders && o.name != "help") ignored(spec, o);
      return &o;
    }
  return nullptr;
}

/// "-1.5", "-.5", "-inf", "-nan", "-0x1p3": a negative number, not an option.
bool looks_like_number(std::string_view s) {
  if (s.size() < 2 || s[0] != '-') return false;
  const char c = s[1];
  if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return true;
  std::string rest(s.substr(1));
  for (char& ch : rest) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return rest == "inf" || rest == "infinity" || rest == "nan";
}

std::string accepted(const CommandSpec& spec) {
  std::string s;
  auto add = [&](const OptionSpec& o) {
    s += (s.empty() ? "" : ", ") + (o.short_name ? std::string("-") + o.short_name + "/" : "") + "--" + o.name;
  };
  for (const auto& o : spec.options) add(o);
  for (const auto& o : common_options(spec)) add(o);
  return s;
}

std::string shown(std::string_view s) {  // an argument quoted in a message, cut to a sane length
  std::string out(s.substr(0, 60));
  if (s.size() > 60) out += "...";
  return out;
}

}  // namespace

std::string Args::get(const std::string& name, const std::string& fallback) const {
  auto it = options.find(name);
  return it == options.end() || it->second.empty() ? fallback : it->second.back();
}

std::vector<std::string> Args::list(const std::string& name) const {
  std::vector<std::string> out;
  auto it = options.find(name);
  if (it == options.end()) return out;
  for (const auto& v : it->second) {
    std::size_t start = 0;
    while (start <= v.size()) {
      std::size_t end = v.find(',', start);
      if (end == std::string::npos) end = v.size();
      if (end > start) out.push_back(v.substr(start, end - start));
      start = end + 1;
    }
  }
  return out;
}

long long Args::get_int(const std::string& name, long long fallback, long long min, long long max) const {
  if (!has(name)) return fallback;
  const std::string v = get(name);
  long long x = 0;
  bool ok = !v.empty() && v.size() <= 18;
  for (std::size_t i = 0; ok && i < v.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(v[i]))) ok = i == 0 && v[i] == '-' && v.size() > 1;
    else x = x * 10 + (v[i] - '0');
  }
  if (ok && v[0] == '-') x = -x;
  if (!ok || x < min || x > max)
    throw InputError("--" + name + " takes an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                     ", not '" + shown(v) + "'");
  return x;
}

Args parse_args(const CommandSpec& spec, std::span<const std::string> argv) {
  Args args;
  bool only_positional = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (only_positional || a.size() < 2 || a[0] != '-' || looks_like_number(a)) {
      args.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    const OptionSpec* opt = nullptr;
    std::string value;
    bool has_value = false;
    if (a[1] == '-') {
      const std::size_t eq = a.find('=');
      const std::string name = a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      opt = find_long(spec, name);
      if (eq != std::string::npos) {
        value = a.substr(eq + 1);
        has_value = true;
      }
    } else {
      opt = find_short(spec, a[1]);
      if (a.size() > 2) {
        value = a.substr(2);
        has_value = true;
      }
    }
    if (opt == nullptr) {
      std::vector<std::string> names;
      for (const auto& o : spec.options) names.push_back("--" + o.name);
      for (const auto& o : common_options(spec)) names.push_back("--" + o.name);
      const std::string given = a.substr(0, a.find('='));
      const std::vector<std::string> near = closest(given, names, 1);
      throw InputError("unknown option '" + shown(a) + "' for 'numscope " + spec.name + "': " +
                       (near.empty() ? "" : "did you mean " + near[0] + "? ") + "accepted options are " +
                       accepted(spec));
    }
    if (opt->value_name.empty()) {
      if (has_value) throw InputError("option --" + opt->name + " takes no value");
    } else if (!has_value) {
      if (i + 1 >= argv.size())
        throw InputError("option --" + opt->name + " needs a value (" + opt->value_name + "): " + opt->help);
      value = argv[++i];
    }
    if (args.has(opt->name) && !opt->repeatable && opt->name != "help")
      throw InputError("option --" + opt->name + " given more than once");
    args.options[opt->name].push_back(value);
  }
  args.help = args.has("help");
  if (args.has("output")) args.output = parse_output_format(args.get("output"));
  if (args.help) return args;
  const int n = static_cast<int>(args.positional.size());
  if (n < spec.min_positional || (spec.max_positional >= 0 && n > spec.max_positional)) {
    std::string want = spec.max_positional < 0 ? "at least " + std::to_string(spec.min_positional)
                       : spec.min_positional == spec.max_positional ? std::to_string(spec.min_positional)
                       : std::to_string(spec.min_positional) + " to " + std::to_string(spec.max_positional);
    throw InputError("'numscope " + spec.name + "' takes " + want + " argument(s), got " + std::to_string(n) +
                     ": usage: " + spec.usage);
  }
  return args;
}

std::string help_text(const CommandSpec& spec) {
  std::string s = spec.summary + "\n\nUsage: " + spec.usage + "\n\nOptions:\n";
  auto line = [&](const OptionSpec& o) {
    std::string left = "  ";
    left += o.short_name ? std::string("-") + o.short_name + ", " : "    ";
    left += "--" + o.name + (o.value_name.empty() ? "" : " " + o.value_name);
    if (left.size() < 30) left += std::string(30 - left.size(), ' ');
    else left += "  ";
    s += left + o.help + "\n";
  };
  for (const auto& o : spec.options) line(o);
  for (const auto& o : common_options(spec)) line(o);
  if (!spec.details.empty()) s += "\n" + spec.details + "\n";
  return s;
}

}  // namespace numscope::cli
