#!/usr/bin/env bash
# cast against the real binary: known bytes through fp32 -> bf16 / fp16 / e4m3 and back, and partial elements.
set -u
bin=$1 fail=0 n=0
check() {  # check NAME EXPECTED_HEX ACTUAL_HEX
  n=$((n + 1))
  if [ "$2" != "$3" ]; then echo "FAIL $1: expected $2, got $3"; fail=$((fail + 1)); fi
}
hex() { od -An -v -tx1 | tr -d ' \n'; }
# fp32 1.0, 123456.789f, -2.5, 65504 as little-endian bytes
in='\x00\x00\x80\x3f\x65\x20\xf1\x47\x00\x00\x20\xc0\x00\xe0\x7f\x47'
# bf16 = the top half of fp32, rne: 65504 = 0x477fe000 has low half 0xe000 > 0x8000, so it rounds up to 0x4780
check bf16 "803ff147 20c08047" "$(printf "$in" | "$bin" cast --from fp32 --to bf16 | hex | sed 's/\(.\{8\}\)/\1 /;s/ $//')"
check fp16 "003c007c00c1ff7b" "$(printf "$in" | "$bin" cast --from fp32 --to fp16 | hex)"
# e4m3: 1.0 = 0 0111 000 = 0x38; 123456.789 > 464 -> NaN 0x7f; -2.5 = -1.25·2^1 = 1 1000 010 = 0xc2; 65504 -> NaN
check e4m3 "387fc27f" "$(printf "$in" | "$bin" cast --from fp32 --to e4m3 | hex)"
# saturating: 448 = 0x7e
check e4m3-sat "387ec27e" "$(printf "$in" | "$bin" cast --from fp32 --to e4m3 --saturate | hex)"
# tf32 keeps the top 19 bits of the fp32 container; 0x47f12065 drops 0x065 < half: 0x47f12000
check tf32-rna "0000803f0020f147000020c000e07f47" "$(printf "$in" | "$bin" cast --from fp32 --to tf32 --rounding rna | hex)"
check back "0000803f0000f1470000" "$(printf '\x80\x3f\xf1\x47\x20\xc0' | "$bin" cast --from bf16 --to fp32 | hex | cut -c1-20)"
# 5 bytes of fp32 from a regular file: refused before any output, exit 2.
printf '\x00\x00\x80\x3f\x00' > /tmp/cast_partial.$$
out=$("$bin" cast --from fp32 --to fp16 < /tmp/cast_partial.$$ 2>/dev/null | hex); rc=${PIPESTATUS[0]}
"$bin" cast --from fp32 --to fp16 < /tmp/cast_partial.$$ >/dev/null 2>&1; rc=$?
check partial-rc 2 "$rc"
check partial-out "" "$out"
# through a pipe: the whole elements come out, then exit 2
rc=$(printf '\x00\x00\x80\x3f\x00' | { "$bin" cast --from fp32 --to fp16 >/dev/null 2>&1; echo $?; })
check partial-pipe-rc 2 "$rc"
# an e2m1 byte with bits above the 4-bit code
rc=$(printf '\x1f' | { "$bin" cast --from e2m1 --to fp32 >/dev/null 2>&1; echo $?; })
check narrow-high-bits 2 "$rc"
rm -f /tmp/cast_partial.$$
echo "cast: $((n - fail)) passed, $fail failed"
[ "$fail" = 0 ]
