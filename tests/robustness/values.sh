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
# Rows exact, sum not: 3 layers of h = 4097 at 2^30 tokens × 997 sequences add up to 96490304031597722 bytes (Python
# integers), which no double holds (the sum printed 96490304031597712): estimates stop below 2^53 bytes.
bad mem-total-inexact 'more than 2\^53 bytes \(9 PB\)' memory --layers 3 --hidden 4097 --heads 1 --intermediate 11 --vocab 7 --seq 1048576K --batch 997
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

# ---- ambiguous input: a tensor name in two shards; no metrics of nothing ----------------------------------------
t4='"dtype":"F32","shape":[2]'
st shard1.safetensors '{"a":{'"$t4"',"data_offsets":[0,8]},"b":{'"$t4"',"data_offsets":[8,16]}}' 16
st shard2.safetensors '{"c":{'"$t4"',"data_offsets":[0,8]},"a":{'"$t4"',"data_offsets":[8,16]}}' 16
bad shard-duplicate-name "tensor 'a' is in both 'shard1.safetensors' and 'shard2.safetensors'" quantize --input shard1.safetensors --input shard2.safetensors --tensor a
bad shard-duplicate-all "tensor 'a' is in both" quantize --input shard1.safetensors --input shard2.safetensors --all
bad shard-given-twice "'shard1.safetensors' is given twice" quantize --input shard1.safetensors --input shard1.safetensors --all
# 64 NaN (0x7fc00000) as f32
{ printf '\x93NUMPY\x01\x00'; le 118 2; printf "%-117s\n" "{'descr': '<f4', 'fortran_order': False, 'shape': (64,), }"; for _ in $(seq 64); do printf '\x00\x00\xc0\x7f'; done; } >allnan.npy
bad nan-all-ignored 'has no finite value \(all 64 are NaN or inf\)' quantize --input allnan.npy --ignore-nonfinite
st mixed.safetensors '{"n":{'"$t4"',"data_offsets":[0,8]},"x":{'"$t4"',"data_offsets":[8,16]}}' 0
printf '\x00\x00\xc0\x7f\x00\x00\xc0\x7f\x00\x00\x80\x3f\x00\x00\x00\x40' >>mixed.safetensors  # NaN NaN | 1 2
run_cli r.out r.err quantize --input mixed.safetensors --all --ignore-nonfinite --include-1d --schemes int8
why=""
[ "$rc" = 0 ] || why+=" exit $rc: $(head -c 200 r.err);"
grep -q 'n (no finite value)' r.out || why+=" the all-NaN tensor is not listed as skipped;"
grep -Eq '^n +' r.out && why+=" the all-NaN tensor has a row of metrics;"
verdict nan-all-skipped "$why"
rm -f shard1.safetensors shard2.safetensors allnan.npy mixed.safetensors r.out r.err

# ---- one status for one result, one rule for every rounding mode (issue 12 item 12) ------------------------------
# The rule (docs/formats.md, status): overflow when inf or NaN was stored because the value exceeded the range;
# saturated when ±max was stored because the value, rounded with unbounded exponent (IEEE 754 §7.4), is beyond max;
# else rounded/exact. Expected rows by hand from OFP8 e4m3 (max 448 = S.1111.110; the next step, 480, is past it;
# no inf, so an overflow is NaN), fp16 (max 65504) and int8 (max 127):
#   449 rne/rtz: 448 ≤ max, rounded.  449 odd: 448 is even (110), its odd neighbour 480 > max: ±max, saturated
#   (was: "overflow" under odd and "rounded" under rtz for the same 448).  449 up / -449 down: 480 > max: NaN.
#   480 rtz: 480 itself > max: 448, saturated.  1e6 in fp16: rtz 65504 saturated, rne inf overflow.
status_rows() {  # status_rows MODE VALUE... : "format,input,stored,status" of e4m3, fp16 and int8, space-separated
  local mode=$1
  shift
  "$bin" store "$@" --formats e4m3,fp16,int8 --rounding "$mode" -o csv --table store 2>&1 | tail -n +2 | cut -d, -f1-4 | tr '\n' ' '
}
why=""
want_rne="e4m3,449,448,rounded fp16,449,449,exact int8,449,127,saturated e4m3,1e6,nan,overflow fp16,1e6,inf,overflow int8,1e6,127,saturated "
want_rtz="e4m3,449,448,rounded fp16,449,449,exact int8,449,127,saturated e4m3,480,448,saturated fp16,480,480,exact int8,480,127,saturated e4m3,1e6,448,saturated fp16,1e6,65504,saturated int8,1e6,127,saturated "
want_odd="e4m3,449,448,saturated fp16,449,449,exact int8,449,127,saturated e4m3,-464,-448,saturated fp16,-464,-464,exact int8,-464,-128,saturated "
want_up="e4m3,449,nan,overflow fp16,449,449,exact int8,449,127,saturated "
want_down="e4m3,-449,nan,overflow fp16,-449,-449,exact int8,-449,-128,saturated "
got=$(status_rows rne 449 1e6); [ "$got" = "$want_rne" ] || why+=" rne: $got;"
got=$(status_rows rtz 449 480 1e6); [ "$got" = "$want_rtz" ] || why+=" rtz: $got;"
got=$(status_rows odd 449 -464); [ "$got" = "$want_odd" ] || why+=" odd: $got;"
got=$(status_rows up 449); [ "$got" = "$want_up" ] || why+=" up: $got;"
got=$(status_rows down -449); [ "$got" = "$want_down" ] || why+=" down: $got;"
verdict status-one-rule "$why"

# ---- a user's spelling of a built-in layout prints the built-in's name; other layouts never share it ------------
# e02m1, E2M1 and e2m1:bias=1 are OCP FP4 (e2m1); e2m1:bias=2 is another format (max 3 = 1.5·2^1, by hand);
# e04m3 and e4m3:bias=07 are OFP8 E4M3; e4m3:bias=8 is another (max 224 = 1.75·2^7); e5m2:bias=16 is not e5m2.
why=""
got=$("$bin" store 1 --formats e02m1,E2M1,e2m1:bias=1,e2m1:bias=2,e04m3,e4m3:bias=07,e4m3:bias=8,e5m2:bias=15,e5m2:bias=16 -o csv --table store 2>&1 | tail -n +2 | cut -d, -f1 | tr '\n' ' ')
[ "$got" = "e2m1 e2m1 e2m1 e2m1:bias=2 e4m3 e4m3 e4m3fn:bias=8 e5m2 e5m2:bias=16 " ] || why+=" names: $got;"
got=$("$bin" formats e2m1:bias=2 e4m3:bias=8 e4m3 -o csv --table floats 2>&1 | tail -n +2 | cut -d, -f1,10 | tr '\n' ' ')
[ "$got" = "e2m1:bias=2,3 e4m3fn:bias=8,224 e4m3,448 " ] || why+=" formats name,max: $got;"
stdin=/dev/null bad names-empty-bias 'bias must be an integer' store 1 --formats e4m3:bias=
verdict names-canonical "$why"

# ---- control characters in tensor names are escaped in every output format (issue 12 item 10) ------------------
# One tensor named "a<ESC>[31mb<newline>c|d" (JSON \u001b and \n in the header); no raw ESC or newline inside a line
# in text, Markdown and CSV; JSON keeps the name, escaped by JSON itself; the error naming a missing tensor too.
name_json='a\u001b[31mb\nc|d'
st ctrl.safetensors '{"'"$name_json"'":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}' 0
printf '\x00\x00\x80\x3f\x00\x00\x00\xc0\x00\x00\x00\x3f\x00\x00\x40\x40' >>ctrl.safetensors  # 1, -2, 0.5, 3
why=""
for o in table md csv json; do
  table=(); [ "$o" = csv ] && table=(--table input)
  run_cli r.out r.err quantize --input ctrl.safetensors --schemes q8_0 -o "$o" "${table[@]}"
  [ "$rc" = 0 ] || why+=" -o $o: exit $rc $(head -c 200 r.err);"
  LC_ALL=C grep -q $'\x1b' r.out && why+=" -o $o: a raw ESC on stdout;"
  LC_ALL=C grep -q '^c|d' r.out && why+=" -o $o: the name's newline broke a line;"
  case $o in
    json) grep -qF '"a\u001b[31mb\nc|d"' r.out || why+=" -o json: the name is not kept as a JSON string;" ;;
    md) grep -qF 'a\x1b[31mb\nc\|d' r.out || why+=" -o md: the name is not shown escaped;" ;;
    *) grep -qF 'a\x1b[31mb\nc|d' r.out || why+=" -o $o: the name is not shown escaped;" ;;
  esac
done
verdict names-control-chars "$why"
st two.safetensors '{"x'"$name_json"'":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"y":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}' 8
bad names-control-chars-error 'pass --tensor NAME or --all.*xa\\x1b\[31mb\\nc\|d' quantize --input two.safetensors
rm -f ctrl.safetensors two.safetensors r.out r.err
