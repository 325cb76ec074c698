#!/usr/bin/env python3
"""The style rule "no function over ~80 lines", enforced on the C++ of every layer folder (as layers_test.sh
enforces the include order): a brace-counting scan that lists each function body longer than LIMIT lines.

    python3 tests/function_length_test.py SOURCE_DIR [--limit N] [--all]

A body is counted from the line of its opening brace to the line of its closing one; lambdas and local classes
count toward the function that holds them. --all lists every function over the limit, allowed ones included.
Exit 0 when none is over (apart from ALLOWED), 1 otherwise. The scan reads text, not C++: it strips comments,
string and character literals, then classifies each brace opened at namespace or class scope.
"""
import os
import re
import sys

LAYERS = ["support", "formats", "io", "memory", "quantize", "check", "api", "tools", "python", "web"]
LIMIT = 80
# "file:function" -> why it is longer for now. Kept short; an entry no longer over the limit is reported, not failed.
ALLOWED = {}

CONTAINER = re.compile(r"^(template\s*<.*>\s*)?(\[\[.*\]\]\s*)?(inline\s+)?"
                       r"(namespace|class|struct|union|enum|extern\s*\"C\"|extern\s*\"C\+\+\")\b")
QUALIFIER_END = re.compile(r"(\)|\bconst|\bnoexcept|\boverride|\bfinal|\bmutable|\btry)\s*$")


def strip(text):
    """The text with comments, string and char literals blanked (newlines kept, so line numbers hold)."""
    text = re.sub(r"(?<=[0-9A-Fa-f])'(?=[0-9A-Fa-f])", "", text)  # digit separators: 6'738'415'616
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == 'R' and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == '_')
                                                        or text[i - 1] in "8LuU"):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            if not m:
                out.append(c)
                i += 1
                continue
            close = ")" + m.group(1) + '"'
            j = text.find(close, i + m.end())
            j = n if j < 0 else j + len(close)
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    # Preprocessor lines (with their continuations) hold no function: blanked, newlines kept.
    return re.sub(r"(?m)^[ \t]*#(?:[^\n]*\\\n)*[^\n]*", lambda m: "\n" * m.group(0).count("\n"), "".join(out))


def function_name(head):
    """The name before the parameter list of a function head ("" when none is found)."""
    depth, cut = 0, None
    for k, ch in enumerate(head):
        if ch in "<":
            depth += 1
        elif ch == ">" and depth:
            depth -= 1
        elif ch == "(" and depth == 0:
            cut = k
            break
    m = re.search(r"(operator\s*\S+|~?[A-Za-z_]\w*(?:\s*::\s*~?[A-Za-z_]\w*)*)\s*$", head[:cut] if cut else head)
    return re.sub(r"\s+", "", m.group(1)) if m else ""


def is_function_head(head):
    h = head.strip()
    if "(" not in h:
        return False
    if QUALIFIER_END.search(h) or re.search(r"\)[^()]*->[^()]*$", h):
        return True
    # A constructor whose initializer list ends with a braced member: Foo(int a) : a_(a), b_{b} {
    return bool(re.search(r"\)\s*(noexcept\s*)?:[^;]*[)}]\s*$", h)) and h.endswith("}")


def long_functions(path, limit):
    text = strip(open(path, encoding="utf-8", errors="replace").read())
    found, stack, head, line = [], [], [], 1  # stack: (kind, line, name); kind c(ontainer) f(unction) o(ther)
    for ch in text:
        if ch == "\n":
            line += 1
        at_scope = all(k == "c" for k, _, _ in stack)
        if ch == "{":
            h = "".join(head)
            if not at_scope:
                stack.append(("o", line, ""))
            elif CONTAINER.search(h.strip()):
                stack.append(("c", line, ""))
                head = []
            elif is_function_head(h):
                stack.append(("f", line, function_name(h.strip())))
                head = []
            else:
                stack.append(("o", line, ""))
                head.append(ch)
        elif ch == "}":
            if not stack:
                continue
            kind, start, name = stack.pop()
            if kind == "f":
                if line - start + 1 > limit:
                    found.append((line - start + 1, start, name))
                head = []
            elif kind == "c":
                head = []
            elif all(k == "c" for k, _, _ in stack):
                head.append(ch)  # a braced initializer at namespace or class scope: the statement goes on
        elif at_scope:
            if ch in ";":
                head = []
            elif ch == ":" and re.search(r"\b(public|private|protected)\s*$", "".join(head)):
                head = []
            else:
                head.append(ch)
    return found


def main():
    args = sys.argv[1:]
    root = args[0] if args and not args[0].startswith("--") else "."
    limit = int(args[args.index("--limit") + 1]) if "--limit" in args else LIMIT
    show_all = "--all" in args
    over, allowed_seen = [], set()
    for layer in LAYERS:
        for dirpath, dirnames, files in os.walk(os.path.join(root, layer)):
            dirnames.sort()
            for f in sorted(files):
                if not f.endswith((".cpp", ".h", ".hpp", ".cc")):
                    continue
                path = os.path.join(dirpath, f)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                for length, start, name in long_functions(path, limit):
                    key = f"{rel}:{name}"
                    if key in ALLOWED:
                        allowed_seen.add(key)
                        if show_all:
                            print(f"{rel}:{start}: {name or '(a function)'} is {length} lines (allowed: {ALLOWED[key]})")
                        continue
                    over.append(f"{rel}:{start}: {name or '(a function)'} is {length} lines, over {limit}: split it "
                                f"into named pieces (STYLE.md)")
    for key in sorted(set(ALLOWED) - allowed_seen):
        print(f"note: {key} is no longer over {limit} lines: drop it from ALLOWED in {sys.argv[0]}")
    for o in over:
        print(o)
    if not over:
        print(f"function length: no function body in {', '.join(LAYERS)} is over {limit} lines"
              + (f" (allowed for now: {', '.join(sorted(allowed_seen))})" if allowed_seen else ""))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
