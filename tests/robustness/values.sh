# Sourced by robustness.sh (after files.sh, whose helpers it uses): no silent wrong values. cast refuses or maps
# what its target cannot hold and counts saturations.

# fp32 little-endian: 1.0, 7.0, NaN, -100.0, 0.5, inf
printf '\x00\x00\x80\x3f\x00\x00\xe0\x40\x00\x00\xc0\x7f\x00\x00\xc8\xc2\x00\x00\x00\x3f\x00\x00\x80\x7f' >six.bin
stdin=six.bin bad cast-nan-e2m1 'element 2 \(byte offset 8\) is NaN, and e2m1 has no NaN' cast --from fp32 --to e2m1
stdin=six.bin bad cast-nan-int8 'element 2 .* is NaN, and int8 has no NaN' cast --from fp32 --to int8
stdin=six.bin bad cast-negative-e8m0 'element 3 .* is negative, and e8m0 has no sign' cast --from fp32 --to e8m0
stdin=six.bin bad cast-nan-to-unknown '--nan-to must be error' cast --from fp32 --to e2m1 --nan-to nothing
printf '\x01\x00\x80\x3f' >tf32-low.bin
stdin=tf32-low.bin bad cast-tf32-low-bits 'bits set below the 19-bit tf32 field.*--tf32-truncate' cast --from tf32 --to fp32
hexof() { od -An -v -tx1 | tr -d ' \n'; }
# cast_case ID WANT_HEX WANT_NOTE_REGEX INPUT ARGS...: exit 0, these bytes, and the note (or none for '').
cast_case() {
  local id=$1 want=$2 note=$3 input=$4
  shift 4
  timeout "$limit" "$bin" cast "$@" <"$input" >r.out 2>r.err
  local rc=$? why="" got
  got=$(hexof <r.out)
  [ "$rc" = 0 ] || why+=" exit $rc: $(head -c 200 r.err);"
  [ "$got" = "$want" ] || why+=" bytes $got (want $want);"
  if [ -n "$note" ]; then
    one_line r.err "^numscope: note: .*$note" || why+=" stderr: '$(head -c 200 r.err)' (want a note matching /$note/);"
  else
    [ ! -s r.err ] || why+=" stderr: $(head -c 200 r.err);"
  fi
  verdict "$id" "$why"
}
# e2m1 (OCP MX v1.0 §5.3.3, S1E2M1, max 6 = 0 11 1): 1 -> 0x2, 7 -> 6 = 0x7 (saturated), NaN -> +0 (--nan-to
# zero), -100 -> -6 = 0xf, 0.5 -> 0x1, inf -> 6 = 0x7.
cast_case cast-nan-to-zero 0207000f0107 '3 elements of 6 saturated to ±max of e2m1; 1 NaN stored as \+0' six.bin --from fp32 --to e2m1 --nan-to zero
# int8: 1, 7, NaN -> +max 127 = 0x7f, -100 = 0x9c, 0.5 -> 0 (ties to even), inf -> 127 (saturated).
cast_case cast-nan-to-max-int8 01077f9c007f '1 element of 6 saturated to ±max of int8; 1 NaN stored as \+max' six.bin --from fp32 --to int8 --nan-to max
# e4m3 (OFP8, no inf): inf -> NaN 0x7f, counted; fp16 holds everything: no note.
cast_case cast-overflow-count 384e7fec307f '1 element overflowed to NaN' six.bin --from fp32 --to e4m3
cast_case cast-fp16-no-note 003c0047007e40d60038007c '' six.bin --from fp32 --to fp16
# tf32 in its fp32 container: 0x3f800001 -> 1.0 with --tf32-truncate; the NaN container 0x7f800001 (payload only
# in the dropped bits) stays NaN (0x7fc00000), never +inf.
printf '\x01\x00\x80\x3f\x01\x00\x80\x7f' >tf32-nan.bin
cast_case cast-tf32-truncate-nan 0000803f0000c07f '2 codes had low container bits dropped' tf32-nan.bin --from tf32 --to fp32 --tf32-truncate
rm -f six.bin tf32-low.bin tf32-nan.bin r.out r.err

# ---- a user's number meets a product: sizes parsed exactly (support/units.h), products checked ---------------------
bad mem-lora-rank-huge 'lora-rank 4000000000000 is too large' memory --model llama-2-7b --mode lora --lora-rank 4000000000000
report=1 bad check-lora-rank-huge 'lora-rank 4000000000000 is too large' check --claim 'memory(model=llama-2-7b, mode=lora, lora_rank=4000000000000) = 1 GB'
bad mem-overhead-inf 'must be a finite number' memory --model llama-2-7b --overhead 'inf%'
bad mem-overhead-nan 'must be a finite number' memory --model llama-2-7b --overhead 'nan%'
bad mem-overhead-huge "'1e308GiB' is too large: at most 2\^63 bytes" memory --model llama-2-7b --overhead 1e308GiB
bad mem-gpu-size-huge 'too large: at most 2\^60 bytes' memory --model llama-2-7b --gpu 1e30GiB
bad mem-size-comma 'a comma inside a number; commas separate list items' memory --model llama-2-7b --overhead '1,5GiB'
bad mem-params-thousands 'must be positive.*commas separate items' memory --params 1,500,000
printf '{"model_type":"gpt2","n_embd":3000000000000000000,"n_layer":12,"n_head":12,"vocab_size":50257,"n_positions":1024}' >cfg-embd.json
bad cfg-gpt2-huge-embd 'larger than 2\^31' memory --config cfg-embd.json
rm -f cfg-embd.json
# One spelling of a size everywhere: 80gb, '80 GB' and 80GB are one card; 1_500MB and 1.5GB one overhead.
why=""
a=$("$bin" memory --model llama-2-7b --gpu 80gb --overhead 1_500MB -o csv 2>&1)
b=$("$bin" memory --model llama-2-7b --gpu '80 GB' --overhead 1.5GB -o csv 2>&1)
c=$("$bin" memory --model llama-2-7b --gpu 80GB --overhead '1.5 gb' -o csv 2>&1)
[ "$a" = "$b" ] && [ "$b" = "$c" ] || why+=" the spellings give different estimates;"
grep -q '1500000000' <<<"$("$bin" memory --model llama-2-7b --overhead 1_500MB -o json)" || why+=" 1_500MB is not 1,500,000,000 bytes;"
report=1 "$bin" check --claim '2 gb = 2000000000' --claim '1_500 MB = 1.5 GB' --claim '1 GiB = 2^30' >r.out 2>&1 || why+=" check refuses the same spellings: $(tail -1 r.out);"
verdict units-one-spelling "$why"
rm -f r.out

# ---- claims: exact arithmetic linear in the chain, a work bound per claim ---------------------------------------
c=$(printf '3*%.0s' $(seq 49997))
claim_case claim-long-product 1 '0 true, 1 false' check --claim "${c}1 = 1"
c="1/2"
for p in $(seq 3 2 33581); do
  prime=1
  for ((d = 3; d * d <= p; d += 2)); do ((p % d)) || { prime=0; break; }; done
  ((prime)) && c+="+1/$p"
done
claim_case claim-prime-sum 0 '1 true, 0 false' check --claim "$c > 2"
c=$(printf '+((3^30000+1)/(5^18000+2))%.0s' $(seq 40))
report=1 bad claim-work-bound 'the work bound of one claim' check --claim "0${c} > 1"
