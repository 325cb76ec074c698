#!/usr/bin/env python3
"""The installed man page and the bash and zsh completions against the installed program's --help.

--help is what users read and what the parser accepts; the man page and the completion scripts are generated from
the same tables. This reads all four from the installed tree and checks, for every command --help lists, that the
man page's section and both scripts offer exactly the options `numscope COMMAND --help` lists, and that the bash
script completes values as the help says (output formats, rounding modes, format names, files).
Usage: sync_check.py PREFIX
"""
import json
import os
import re
import shutil
import subprocess
import sys

prefix = sys.argv[1]
numscope = os.path.join(prefix, "bin", "numscope")
man_path = os.path.join(prefix, "share", "man", "man1", "numscope.1")
bash_path = os.path.join(prefix, "share", "bash-completion", "completions", "numscope")
zsh_path = os.path.join(prefix, "share", "zsh", "site-functions", "_numscope")
failures = []


def run(*args):
    return subprocess.run([numscope, *args], check=True, capture_output=True, text=True).stdout


def help_options(text):
    """Option words (-o, --output, ...) of the Options: block of a command's --help."""
    words = set()
    block = text.split("\nOptions:\n", 1)[1].split("\n\n", 1)[0]
    for line in block.splitlines():
        m = re.match(r"  (?:(-\w), )?\s*(--[\w-]+)", line)
        if m:
            words.update(w for w in m.groups() if w)
    return words


main_help = run("--help")
commands = re.findall(r"^  ([a-z][\w-]*)  ", main_help.split("Commands:\n", 1)[1].split("\n\n", 1)[0], re.M)
if len(commands) < 10:
    failures.append(f"--help lists only {commands}")
helps = {c: help_options(run(c, "--help")) for c in commands}
# The common options are the ones every table-printing command shares.
common = set.intersection(*(h for h in helps.values() if "--output" in h))

# The man page: one .SS section per command with its own options; the common ones in COMMON OPTIONS.
man = open(man_path, encoding="utf-8").read()
def man_options(section):
    return {w.replace("\\-", "-") for w in re.findall(r"\\fB((?:\\-){1,2}[\w\\-]+)\\fR", section)}
sections = dict(re.findall(r'^\.SS "([\w-]+)"\n(.*?)(?=^\.S[SH] )', man, re.M | re.S))
for c in commands:
    if c not in sections:
        failures.append(f"man page: no section for {c}")
        continue
    own = helps[c] - common - {"-h", "--help"}
    if man_options(sections[c]) != own:
        failures.append(f"man page, {c}: {sorted(man_options(sections[c]))} but --help lists {sorted(own)}")
if set(sections) != set(commands):
    failures.append(f"man page sections {sorted(sections)} but --help lists {sorted(commands)}")
common_section = man.split(".SH COMMON OPTIONS", 1)[1].split(".SH ", 1)[0]
if man_options(common_section) != common:
    failures.append(f"man page COMMON OPTIONS: {sorted(man_options(common_section))} but --help: {sorted(common)}")
exit_help = main_help.split("Exit codes: ", 1)[1].split("\nEnvironment:", 1)[0].split()
exit_man = man.split(".SH EXIT STATUS", 1)[1].split(".SH ", 1)[0].replace(".nf", "").replace(".fi", "").split()
if exit_help != exit_man:
    failures.append("man page EXIT STATUS differs from the exit codes of --help")


def bash_complete(*words):
    """What the installed bash completion offers for `numscope WORDS...` (the last word is being completed)."""
    line = " ".join(["numscope", *words])
    script = (f"source {bash_path}\nCOMP_WORDS=(numscope {' '.join(repr(w) if w else repr('') for w in words)})\n"
              f"COMP_CWORD={len(words)}\nCOMP_LINE={line!r}\n_numscope\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n")
    out = subprocess.run(["bash", "-c", script], check=True, capture_output=True, text=True).stdout
    return set(out.split())


if set(bash_complete("")) != set(commands) | {"help", "--help", "--version"}:
    failures.append(f"bash: commands {sorted(bash_complete(''))} but --help lists {sorted(commands)}")
for c in commands:
    offered = bash_complete(c, "-")
    if offered != helps[c]:
        failures.append(f"bash, {c}: offers {sorted(offered)} but --help lists {sorted(helps[c])}")
formats = {row["name"] for rows in json.loads(run("formats", "-o", "json"))["tables"].values() for row in rows}
expect = {
    ("store", "-o", ""): {"table", "md", "csv", "json"},
    ("store", "--rounding", ""): {"rne", "rna", "rtz", "up", "down", "odd", "stochastic"},
    ("store", "--formats", ""): formats,
    ("explain", ""): formats,
    ("memory", "--mode", ""): {"inference", "train", "lora", "qlora"},
    ("completion", ""): {"bash", "zsh"},
}
for words, want in expect.items():
    got = bash_complete(*words)
    if got != want:
        failures.append(f"bash: numscope {' '.join(words)}<TAB> offers {sorted(got)[:8]}, expected {sorted(want)[:8]}")

# zsh: each command's _arguments block names exactly the --help options.
zsh = open(zsh_path, encoding="utf-8").read()
if shutil.which("zsh"):
    r = subprocess.run(["zsh", "-n", zsh_path], capture_output=True, text=True)
    if r.returncode != 0:
        failures.append(f"zsh -n: {r.stderr.strip()}")
blocks = dict(re.findall(r"^    ([\w-]+)\)\n      _arguments(.*?) ;;$", zsh, re.M | re.S))
for c in commands:
    if c not in blocks:
        failures.append(f"zsh: no case for {c}")
        continue
    words = set()
    for spec in re.findall(r"^        (\S.*?)(?: \\)?$", blocks[c], re.M):
        braces = re.search(r"\{([^}]*)\}", spec)
        if braces:
            words.update(w.rstrip("+=") for w in braces.group(1).split(","))
        else:
            m = re.match(r"'\*?(--?[\w-]+)", spec)
            if m:
                words.add(m.group(1))
    if words != helps[c]:
        failures.append(f"zsh, {c}: {sorted(words)} but --help lists {sorted(helps[c])}")

for f in failures:
    print("FAIL:", f)
print(f"sync: {len(commands)} commands, man page, bash and zsh checked against --help: "
      f"{'ok' if not failures else str(len(failures)) + ' problems'}")
sys.exit(1 if failures else 0)
