# Sourced by robustness.sh (after files.sh, whose helpers it uses): documents cannot act, claims are found wherever
# a reader sees them, unreadable places are reported one by one, and note files are read with a size bound.

# ---- doc-tables markers that would write files: refused in check and update mode, nothing written --------------
printf '# note\n<!-- numscope: cast --from fp32 --to fp16 --out victim.bin -->\n<!-- end -->\n' >act-out.md
report=1 bad doc-marker-out 'act-out.md:2: a document cannot write files.*--out' doc-tables act-out.md
printf '<!-- numscope: quantize --synthetic normal:n=64 --schemes q8_0 --write-blocks=victim.bin -->\n<!-- end -->\n' >act-blocks.md
report=1 bad doc-marker-write-blocks 'cannot write files.*--write-blocks' doc-tables --update act-blocks.md
printf '<!-- numscope: quantize --synthetic normal:n=64 --schemes q8_0 --dump-dequantized victim.npy -->\n<!-- end -->\n' >act-dump.md
report=1 bad doc-marker-dump 'cannot write files.*--dump-dequantized' doc-tables act-dump.md
printf '<!-- numscope: doc-tables --update act-out.md -->\n<!-- end -->\n' >act-nested.md
report=1 bad doc-marker-doc-tables 'cannot run doc-tables itself' doc-tables --update act-nested.md
rm -f act-*.md

# ---- claims are found where a reader sees them: block quotes, list items, extensions in any case ---------------
# claim_case ID WANT_RC WANT_SUMMARY ARGS...: check ARGS must exit WANT_RC with WANT_SUMMARY in its report.
claim_case() {
  local id=$1 want=$2 summary=$3
  shift 3
  run_cli r.out r.err "$@"
  local why=""
  [ "$rc" = "$want" ] || why+=" exit $rc (want $want);"
  grep -q -- "$summary" r.out || why+=" the report does not say '$summary': $(tail -1 r.out);"
  verdict "$id" "$why"
}
printf '# note\n\n> A quoted claim:\n>\n> ```claims\n> 1 = 2\n> ```\n' >quoted.md
claim_case claims-blockquote 1 '0 true, 1 false' check quoted.md
printf '1. first\n2. second:\n\n   ```claims\n   max(fp16) = 65504\n   1 = 3\n   ```\n\n- a bullet\n  - nested\n    ```claims\n    2 = 2\n    ```\n' >listed.md
claim_case claims-list-item 1 '2 true, 1 false' check listed.md
mkdir -p cased
printf '```claims\n1 = 4\n```\n' >cased/NOTES.MD
printf '1 = 5\n' >cased/x.CLAIMS
printf '```claims\n1 = 1\n```\n' >cased/y.Markdown
claim_case claims-extension-case 1 '1 true, 2 false' check cased
rm -rf quoted.md listed.md cased

# ---- unreadable places inside a folder: one line each, exit 2, the rest still checked ---------------------------
mkdir -p walk/locked walk/open
printf '```claims\n1 = 1\n```\n' >walk/open/a.md
printf '<!-- numscope: formats fp16 -o md -->\n<!-- end -->\n' >walk/open/b.md
chmod 000 walk/locked
nobody=()
if [ "$(id -u)" = 0 ]; then
  if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$bin" 2>/dev/null; then
    nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  fi
fi
if [ "$(id -u)" != 0 ] || [ ${#nobody[@]} -gt 0 ]; then
  chmod 755 walk walk/open
  pre=("${nobody[@]}")
  report=1 bad claims-unreadable-folder 'walk/locked: cannot read the folder' check walk
  pre=("${nobody[@]}")
  report=1 bad doc-unreadable-folder 'walk/locked: cannot read the folder' doc-tables walk
else
  skipped claims-unreadable-folder "running as root and 'nobody' cannot reach the binary"
  skipped doc-unreadable-folder "running as root and 'nobody' cannot reach the binary"
fi
chmod 755 walk/locked
rm -rf walk

# ---- note files are read with a bound: a 65 MiB note is refused after reading 64 MiB + 1 bytes --------------------
truncate -s 65M huge.md
report=1 bad claims-huge-file 'larger than 64 MiB' check huge.md
report=1 bad doc-huge-file 'larger than 64 MiB' doc-tables huge.md
rm -f huge.md r.out r.err
