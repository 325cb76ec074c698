#!/usr/bin/env bash
# The bad-input table of docs/robustness.md against the real binary: each case must exit 2 within the time limit,
# print exactly one line on stderr ("numscope: ..." matching the case's reason), nothing on stdout, and leave the
# working folder (inputs and output targets) exactly as it was: no partial output, no temporary files.
#   bash tests/robustness/robustness.sh build/bin/numscope [docs/robustness.md]
# With the docs path, the case ids of the script and the rows of the table must be the same set.
set -u
bin=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
doc=${2:+$(realpath "$2")}
limit=${NUMSCOPE_ROBUSTNESS_TIMEOUT:-20}
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir "$tmp/w" "$tmp/r"
chmod 755 "$tmp" "$tmp/w"  # an unprivileged user (the unreadable-file cases under root) can reach the inputs
cd "$tmp/w" || exit 1
pass=0 fail=0 skip=0
ran=()

# ---- fixture builders (bash only: CI machines need no Python) ------------------------------------------------------
le() {  # le N BYTES: N as BYTES little-endian bytes
  local n=$1 k=$2 i s=""
  for ((i = 0; i < k; i++)); do s+=$(printf '\\x%02x' $(((n >> (8 * i)) & 255))); done
  printf "$s"
}
zeros() { head -c "$1" /dev/zero; }
npy() {  # npy FILE MAJOR HEADER DATA_BYTES: a .npy with that header (length field as written) and data
  local f=$1 major=$2 header=$3 data=$4 lb=2
  [ "$major" = 1 ] || lb=4
  { printf '\x93NUMPY'; le "$major" 1; le 0 1; le ${#header} $lb; printf '%s' "$header"; zeros "$data"; } >"$f"
}
st() {  # st FILE HEADER DATA_BYTES: a .safetensors with that JSON header and that many data bytes
  local f=$1 header=$2 data=$3
  { le ${#header} 8; printf '%s' "$header"; zeros "$data"; } >"$f"
}
nest() { local s="" e="" i; for ((i = 0; i < $1; i++)); do s+='['; e+=']'; done; printf '%s1%s' "$s" "$e"; }

# ---- the check ---------------------------------------------------------------------------------------------------
snapshot() { { find . -type d; find . ! -type d -printf '%p %y %s %T@ %m\n'; } | LC_ALL=C sort; }  # not folder mtimes

# bad ID REGEX ARGS...: numscope ARGS (stdin from $stdin, default /dev/null; run through the command in the array
# $pre when set, e.g. a resource limit) must be refused as described above.
# check prints its whole report (every claim, the bad one marked ERROR) on stdout: report=1 allows that.
stdin=/dev/null
pre=()
report=
bad() {
  local id=$1 re=$2
  shift 2
  ran+=("$id")
  local before after rc lines outbytes rep=$report
  before=$(snapshot)
  timeout "$limit" "${pre[@]}" "$bin" "$@" <"$stdin" >"$tmp/r/out" 2>"$tmp/r/err"
  rc=$?
  stdin=/dev/null pre=() report=
  after=$(snapshot)
  lines=$(wc -l <"$tmp/r/err")
  outbytes=$(wc -c <"$tmp/r/out")
  local why=""
  [ "$rc" = 2 ] || why+=" exit $rc (want 2);"
  [ "$lines" = 1 ] || why+=" $lines stderr lines (want 1);"
  [ "$outbytes" = 0 ] || [ -n "$rep" ] || why+=" $outbytes bytes on stdout (want 0);"
  head -c 2000 "$tmp/r/err" | grep -q '^numscope: ' || why+=" stderr does not start with 'numscope: ';"
  head -c 2000 "$tmp/r/err" | grep -Eq -- "$re" || why+=" stderr does not match /$re/;"
  [ "$before" = "$after" ] || why+=" the working folder changed: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -3 | tr '\n' ' ');"
  if [ -z "$why" ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    if [ -n "${known[$id]:-}" ]; then
      echo "KNOWN $id (${known[$id]}):$why"
      fail=$((fail - 1)) open=$((open + 1))
    else
      echo "FAIL $id: numscope $(printf '%q ' "$@" | head -c 200)->$why"
      head -c 600 "$tmp/r/err"
    fi
  fi
  [ -z "${known[$id]:-}" ] || [ -n "$why" ] || echo "NOTE $id passes now: remove it from the known list"
}
# Cases that still fail in code this suite does not own: reported as KNOWN (not a failure) until fixed.
declare -A known=()
open=0
skipped() { ran+=("$1"); skip=$((skip + 1)); echo "SKIP $1: $2"; }

# ---- numbers ---------------------------------------------------------------------------------------------------------
bad num-empty 'empty number' store ''
bad num-blank 'empty number' store ' '
bad num-malformed 'invalid number' store 1..2
bad num-letters 'invalid number' store abc
bad num-no-exp-digits 'exponent has no digits' store 1e
bad num-hex-empty 'invalid number' store 0xg
bad num-newline 'invalid number' store $'1\n2'
bad num-too-long 'number too long' store "$(head -c 20001 /dev/zero | tr '\0' 1)"
bad num-exp-decimal 'exponent out of range' store 1e20001
bad num-exp-huge 'exponent out of range' store 1e999999999999999999
bad num-exp-hex 'exponent out of range' store 0x1p66441
bad num-magnitude 'magnitude out of range' store 123456789e19999
bad num-fraction-range 'magnitude out of range' store 1e20000/1e-20000
bad num-div-zero 'division by zero' store 1/0
bad num-frac-inf 'finite numbers on both sides' store inf/2
bad num-nan-payload 'invalid number' store 'nan(0x1)'
bad num-snan 'invalid number' store snan
bad num-nan-hex 'invalid number' store nan0x7fc00001

# ---- format, dtype and scheme names -------------------------------------------------------------------------------
bad fmt-unknown 'unknown format' store 1 --formats fp17
bad fmt-empty-list 'format' store 1 --formats fp16,,bf16
bad fmt-exp-bits 'e16m3|exponent' store 1 --formats e16m3
bad fmt-bias 'bias' store 1 --formats e5m2:bias=20000
bad fmt-int-width 'int65|int' store 1 --formats int65
bad fmt-explain 'unknown format' explain fp99 1
bad values-huge 'MB of exact decimals' values e8m7:bias=16384
bad dtype-unknown 'unknown dtype' quantize --input x.npy --dtype f7
bad scheme-unknown 'scheme' quantize --synthetic normal:n=64 --schemes q9_9
bad gpu-unknown 'gpu|GPU' memory --model llama-2-7b --gpu h999
bad model-unknown 'unknown model' memory --model gpt-17

# ---- options ---------------------------------------------------------------------------------------------------------
bad cmd-unknown 'unknown command' bogus
bad opt-unknown 'unknown option' store 1 --bogus
bad opt-missing-value 'needs a value' store 1 --rounding
bad opt-flag-value 'takes no value' store 1 --saturate=yes
bad opt-repeated 'more than once' store 1 --rounding rne --rounding rtz
bad opt-bad-int 'takes an integer' store 1 --seed -1
bad opt-output 'output|format' store 1 -o xml
bad opt-csv-tables 'pass --table NAME.*floats, integers' formats -o csv
bad opt-table-unknown "no table 'nope'.*store" store 1 --table nope
bad opt-positional "takes" explain fp16 1 2
bad opt-input-and-synthetic 'one of them' quantize --input x.npy --synthetic normal
bad opt-tensor-and-all 'exclude each other|go with --input' quantize --synthetic normal --tensor a --all
bad opt-tp-gpus 'contradicts' memory --model llama-2-7b --tp 4 --gpus 2
bad opt-gpus-zero 'gpus' memory --model llama-2-7b --gpus 0
bad opt-gpus-negative 'gpus' memory --model llama-2-7b --gpus -1
bad opt-params-blank 'parameter count' memory --params _
bad opt-params-huge 'too large' memory --params 999999T
bad opt-largest-layer 'more than the model' memory --params 7B --largest-layer 8B --mode train --zero 3 --gpus 8
bad opt-synthetic-huge '2\^28' quantize --synthetic normal:n=999999999999
bad opt-write-blocks-scheme 'write-blocks' quantize --synthetic normal:n=64 --schemes int8 --write-blocks b.bin

# ---- cast: stdin ---------------------------------------------------------------------------------------------------
printf '\x00\x00\x80\x3f\x00\x00\x00' >seven.bin
stdin=seven.bin bad cast-partial 'partial element' cast --from fp32 --to fp16
printf '\xff' >wide.bin
stdin=wide.bin bad cast-code-bits 'bits set above' cast --from e2m1 --to fp16
stdin=. bad cast-stdin-dir 'directory|read' cast --from fp32 --to fp16
bad cast-unknown-format 'unknown format' cast --from fp32 --to nope

# ---- .npy ----------------------------------------------------------------------------------------------------------
hdr="{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }"
printf '\x93NUMPY\x01' >npy-magic-only.npy
bad npy-truncated-magic 'truncated \(7 bytes' quantize --input npy-magic-only.npy
printf '\x93NUMPY\x02\x00\x10\x00\x00' >npy-len.npy
bad npy-truncated-length 'ends inside its header length' quantize --input npy-len.npy
{ printf '\x93NUMPY\x01\x00'; le 5000 2; printf '%s' "$hdr"; } >npy-past.npy
bad npy-header-past-eof 'points past the end' quantize --input npy-past.npy
npy npy-data.npy 1 "$hdr" 15
bad npy-truncated-data 'needs 16 data bytes' quantize --input npy-data.npy
npy npy-version.npy 9 "$hdr" 16
bad npy-version 'version 9' quantize --input npy-version.npy
npy npy-dict.npy 1 "{'descr': '<f4', 'fortran_order': False, 'shape': (4,)" 16
bad npy-header-syntax 'malformed .npy header' quantize --input npy-dict.npy
npy npy-key.npy 1 "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), 'x': 1}" 16
bad npy-header-key "unexpected key" quantize --input npy-key.npy
npy npy-entry.npy 1 "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }" 0
bad npy-shape-entry-overflow 'overflows 64 bits' quantize --input npy-entry.npy
npy npy-product.npy 1 "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }" 0
bad npy-shape-product-overflow 'overflows 64 bits' quantize --input npy-product.npy
npy npy-bytes.npy 1 "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,), }" 0
bad npy-bytes-overflow 'overflows 64 bits' quantize --input npy-bytes.npy
npy npy-huge.npy 1 "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000000000,), }" 0
bad npy-huge-claim 'data bytes but the file holds' quantize --input npy-huge.npy
npy npy-rows.npy 1 "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000000000, 0), }" 0
bad npy-empty-many-rows 'no elements' quantize --input npy-rows.npy
npy npy-dtype.npy 1 "{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }" 16
bad npy-dtype 'unsupported dtype' quantize --input npy-dtype.npy
npy npy-void.npy 1 "{'descr': '<V2', 'fortran_order': False, 'shape': (4,), }" 8
bad npy-void-no-dtype 'needs --dtype' quantize --input npy-void.npy
bad npy-void-wrong-dtype 'does not match' quantize --input npy-void.npy --dtype e4m3
printf '\x93NUMPY\x01\x00\x06\x00\xff\xfe{\x80}\n' >npy-utf8.npy
bad npy-non-utf8 'malformed .npy header' quantize --input npy-utf8.npy

# ---- safetensors -------------------------------------------------------------------------------------------------------
t4='"dtype":"F32","shape":[2]'
printf 'abc' >st-short.safetensors
bad st-truncated 'not a .npy, .safetensors or GGUF' quantize --input st-short.safetensors
{ le 1000 8; printf '{"a":1}'; } >st-past.safetensors
bad st-header-past-eof 'points past the end' quantize --input st-past.safetensors
{ le 200000000 8; printf '{}'; } >st-limit.safetensors
bad st-header-limit '100,000,000-byte limit' quantize --input st-limit.safetensors
st st-json.safetensors '{"a":{'"$t4"',"data_offsets":[0,8]}' 8
bad st-not-json 'not valid JSON' quantize --input st-json.safetensors
st st-utf8.safetensors $'{"\xff\xfe":{'"$t4"',"data_offsets":[0,8]}}' 8
bad st-non-utf8 'not valid JSON' quantize --input st-utf8.safetensors
st st-deep.safetensors '{"__metadata__":'"$(nest 100000)"'}' 0
bad st-deep-json 'nested' quantize --input st-deep.safetensors
st st-overlap.safetensors '{"a":{'"$t4"',"data_offsets":[0,8]},"b":{'"$t4"',"data_offsets":[4,12]}}' 12
bad st-overlap 'an overlap' quantize --input st-overlap.safetensors --all
st st-hole.safetensors '{"a":{'"$t4"',"data_offsets":[0,8]},"b":{'"$t4"',"data_offsets":[12,20]}}' 20
bad st-hole 'a hole' quantize --input st-hole.safetensors --all
st st-range.safetensors '{"a":{'"$t4"',"data_offsets":[0,8]}}' 4
bad st-offset-past-data 'points past the data' quantize --input st-range.safetensors
st st-order.safetensors '{"a":{'"$t4"',"data_offsets":[8,0]}}' 8
bad st-offset-order 'begin > end' quantize --input st-order.safetensors
st st-trailing.safetensors '{"a":{'"$t4"',"data_offsets":[0,8]}}' 12
bad st-trailing-data 'end at data offset 8' quantize --input st-trailing.safetensors
st st-span.safetensors '{"a":{'"$t4"',"data_offsets":[0,4]}}' 4
bad st-span-mismatch 'need 8 bytes' quantize --input st-span.safetensors
st st-product.safetensors '{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}' 0
bad st-shape-product-overflow 'overflows 64 bits' quantize --input st-product.safetensors
st st-huge.safetensors '{"a":{"dtype":"F32","shape":[1000000000000000000],"data_offsets":[0,4000000000000000000]}}' 0
bad st-huge-claim 'points past the data' quantize --input st-huge.safetensors
st st-rows.safetensors '{"a":{"dtype":"F32","shape":[1000000000000000000,0],"data_offsets":[0,0]}}' 0
bad st-empty-many-rows 'no elements' quantize --input st-rows.safetensors
st st-dup.safetensors '{"a":{'"$t4"',"data_offsets":[0,8]},"a":{'"$t4"',"data_offsets":[0,8]}}' 8
bad st-duplicate-name 'duplicate tensor name' quantize --input st-dup.safetensors
st st-negative.safetensors '{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}' 8
bad st-negative-shape 'non-negative integers' quantize --input st-negative.safetensors
st st-dtype.safetensors '{"a":{"dtype":"F99","shape":[2],"data_offsets":[0,8]}}' 8
bad st-unknown-dtype "unknown dtype 'F99'" quantize --input st-dtype.safetensors
st st-fields.safetensors '{"a":{"dtype":"F32","shape":[2]}}' 8
bad st-missing-field 'needs dtype, shape and data_offsets' quantize --input st-fields.safetensors
st st-meta.safetensors '{"__metadata__":{"k":1},"a":{'"$t4"',"data_offsets":[0,8]}}' 8
bad st-metadata-type 'not a string' quantize --input st-meta.safetensors
st st-ok.safetensors '{"a":{'"$t4"',"data_offsets":[0,8]},"b":{'"$t4"',"data_offsets":[8,16]}}' 16
bad st-tensor-name "no tensor named 'c'" quantize --input st-ok.safetensors --tensor c
bad st-several-tensors 'pass --tensor NAME or --all' quantize --input st-ok.safetensors

# ---- config.json -------------------------------------------------------------------------------------------------
cfg() { printf '{"model_type":"llama","hidden_size":4096,"num_hidden_layers":32,"num_attention_heads":32,"intermediate_size":11008,"vocab_size":32000%s}' "$1"; }
printf '{"model_type": "llama", "hidden_size": ' >cfg-trunc.json
bad cfg-not-json 'not valid JSON' memory --config cfg-trunc.json
printf '{"model_type": "ll\xffama"}' >cfg-utf8.json
bad cfg-non-utf8 'not valid JSON' memory --config cfg-utf8.json
{ printf '{"model_type":"llama","x":'; nest 100000; printf '}'; } >cfg-deep.json
bad cfg-deep-json 'nested' memory --config cfg-deep.json
cfg ',"layer_norm_epsilon":1e400' >cfg-number.json
bad cfg-number-overflow 'not valid JSON.*number overflow' memory --config cfg-number.json
printf '[1, 2]' >cfg-array.json
bad cfg-not-object 'not a JSON object' memory --config cfg-array.json
printf '{"hidden_size": 4096}' >cfg-type.json
bad cfg-missing-type 'missing field "model_type"' memory --config cfg-type.json
printf '{"model_type":"llama","hidden_size":4096,"num_hidden_layers":32,"num_attention_heads":32,"vocab_size":32000}' >cfg-missing.json
bad cfg-missing-field 'missing field "intermediate_size"' memory --config cfg-missing.json
cfg ',"num_key_value_heads":-8' >cfg-negative.json
bad cfg-negative-field 'must be a positive integer' memory --config cfg-negative.json
cfg ',"num_key_value_heads":0' >cfg-zero.json
bad cfg-zero-field 'must be a positive integer' memory --config cfg-zero.json
cfg ',"num_key_value_heads":"8"' >cfg-string.json
bad cfg-string-field 'must be a positive integer' memory --config cfg-string.json
cfg ',"num_key_value_heads":18446744073709551615' >cfg-u64.json
bad cfg-u64-field 'must be a positive integer' memory --config cfg-u64.json
cfg ',"num_key_value_heads":5' >cfg-heads.json
bad cfg-inconsistent 'must divide heads' memory --config cfg-heads.json
printf '{"model_type":"gpt2","n_embd":1024,"n_layer":1,"n_head":16,"vocab_size":50257,"n_positions":9223372036854775807}' >cfg-positions.json
bad cfg-overflow '2\^31|10\^15 parameters' memory --config cfg-positions.json
cfg ',"model_type":"bert"' >cfg-unsupported.json
bad cfg-unsupported 'unsupported model_type|missing' memory --config cfg-unsupported.json
truncate -s 1G cfg-huge.json
bad cfg-huge 'larger than 16 MiB' memory --config cfg-huge.json
bad cfg-device 'larger than 16 MiB' memory --config /dev/zero
bad cfg-missing-file 'cannot read config file' memory --config nowhere.json

# ---- model directories (memory --config DIR) and GGUF files (memory --gguf) ----------------------------------------
mkdir ckpt-escape ckpt-partial ckpt-garbage ckpt-unmapped
for d in ckpt-escape ckpt-partial ckpt-garbage ckpt-unmapped; do cfg '' >"$d/config.json"; done
printf '{"weight_map": {"model.norm.weight": "../model.safetensors"}}' >ckpt-escape/model.safetensors.index.json
bad ckpt-escape 'expected a .safetensors file name' memory --config ckpt-escape
st ckpt-partial/a.safetensors '{"n":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]}}' 8
printf '{"weight_map": {"n": "a.safetensors", "m": "b.safetensors"}}' >ckpt-partial/model.safetensors.index.json
bad ckpt-partial 'all its shards' memory --config ckpt-partial
printf 'garbage' >ckpt-garbage/model.safetensors
bad ckpt-garbage 'invalid safetensors file' memory --config ckpt-garbage
st ckpt-unmapped/a.safetensors '{"n":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]}}' 8
printf '{"weight_map": {"m": "a.safetensors"}}' >ckpt-unmapped/model.safetensors.index.json
bad ckpt-unmapped 'does not list' memory --config ckpt-unmapped
{ printf 'GGUF'; le 3 4; le 4611686018427387904 8; le 0 8; } >gguf-tensors.gguf
bad gguf-tensor-count 'tensors but only' memory --gguf gguf-tensors.gguf
{ printf 'GGUF'; le 3 4; le 0 8; le 1 8; le 20 8; printf 'general.architecture'; le 8 4; le 5 8; printf 'llama'; } >gguf-nometa.gguf
bad gguf-no-layers 'block_count' memory --gguf gguf-nometa.gguf
printf 'not a gguf file' >gguf-text.gguf
bad gguf-not-gguf "magic bytes 'GGUF'" memory --gguf gguf-text.gguf

# ---- claims (numscope check): one stderr line FILE:LINE:COLUMN: reason per bad claim, exit 2 -----------------
report=1 bad claim-unbalanced "--claim:1:8: expected '\)'" check --claim '(1 + 2 = 3'
report=1 bad claim-div-zero '--claim:1:2: division by zero' check --claim '1/0 = 1'
report=1 bad claim-exponent 'beyond ±1000000' check --claim '2^99999999999 = 1'
report=1 bad claim-size 'refused: the result would need' check --claim '7^999999 = 1'
report=1 bad claim-unknown-format "unknown format 'fp99'" check --claim 'max(fp99) = 1'
report=1 bad claim-no-relation 'relation|expected' check --claim '1 + 1'
printf '# note\n\n```claims\n2^10 = 1024\n(1 + 2 = 3\n```\n' >note.md
report=1 bad md-unbalanced "note.md:5:8: expected '\)'" check note.md
printf '```python\nx = (1\n```\n```claims\n1/(2-2) = 0\n```\n' >zero.md
report=1 bad md-div-zero 'zero.md:5:.*division by zero' check zero.md
printf '\xff\xfe = 1\n' >utf8.claims
report=1 bad claims-non-utf8 'utf8.claims:1:1: expected a number' check utf8.claims
bad claims-missing-path 'not a file or folder' check nowhere.claims

# ---- input paths that are not readable files -----------------------------------------------------------------------
mkdir -p adir
bad path-dir-tensor 'a directory without .safetensors files' quantize --input adir
bad path-dir-config 'adir/config.json' memory --config adir
bad path-missing-tensor 'cannot open' quantize --input nowhere.npy
bad path-doc-tables 'not a file or folder' doc-tables nowhere.md
cp st-ok.safetensors locked.safetensors && chmod 000 locked.safetensors
cfg '' >locked.json && chmod 000 locked.json
if [ "$(id -u)" != 0 ]; then
  bad path-unreadable-tensor 'cannot open' quantize --input locked.safetensors --all
  bad path-unreadable-config 'cannot read' memory --config locked.json
elif command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$bin" 2>/dev/null &&
     setpriv --reuid=65534 --regid=65534 --clear-groups test -r st-ok.safetensors 2>/dev/null; then
  # root reads anything: run these two as nobody
  pre=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  bad path-unreadable-tensor 'cannot open' quantize --input locked.safetensors --all
  pre=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  bad path-unreadable-config 'cannot read' memory --config locked.json
else
  skipped path-unreadable-tensor "running as root and 'nobody' cannot reach the binary"
  skipped path-unreadable-config "running as root and 'nobody' cannot reach the binary"
fi
chmod 644 locked.safetensors locked.json

# ---- output files: refused or failed writes leave the old file and no temporary ------------------------------------
echo OLD >blocks.bin
echo OLD >deq.npy
bad out-blocks-dir 'cannot write' quantize --synthetic normal:n=64 --schemes q8_0 --write-blocks adir/missing/b.bin
bad out-dump-dir 'cannot write' quantize --synthetic normal:n=64 --schemes q8_0 --dump-dequantized adir/missing/d.npy
bad out-dump-scheme 'not among the schemes' quantize --synthetic normal:n=64 --schemes q8_0,int8 --write-blocks blocks.bin --dump-dequantized deq.npy --dump-scheme e4m3
bad out-dump-then-blocks 'cannot write' quantize --synthetic normal:n=64 --schemes q8_0 --write-blocks blocks.bin --dump-dequantized adir/missing/d.npy
# A write that fails half way (file size limit, as a full disk): the target keeps its old content.
fsize=(bash -c 'trap "" XFSZ; ulimit -f 1; exec "$0" "$@"')
pre=("${fsize[@]}")
bad out-blocks-full 'cannot write' quantize --synthetic normal:n=65536 --schemes q8_0 --write-blocks blocks.bin
pre=("${fsize[@]}")
bad out-dump-full 'cannot write' quantize --synthetic normal:n=65536 --schemes q8_0 --dump-dequantized deq.npy
# cast --out (when this binary has it): a partial element from a pipe, a failed write, a missing folder.
if "$bin" cast --help | grep -q -- '--out FILE'; then
  echo OLD >cast.bin
  head -c 16384 /dev/zero >zeros.bin
  pre=(bash -c 'cat seven.bin | exec "$0" "$@"')
  bad out-cast-pipe-partial 'partial element' cast --from fp32 --to fp16 --out cast.bin
  pre=("${fsize[@]}")
  stdin=zeros.bin bad out-cast-full 'cannot write' cast --from fp32 --to fp64 --out cast.bin
  stdin=zeros.bin bad out-cast-dir 'cannot create a temporary file' cast --from fp32 --to fp16 --out adir/missing/c.bin
  # Killed while writing: after SIGTERM cast.bin is unchanged and the temporary file is gone; after SIGKILL
  # (which no program can handle) cast.bin is still unchanged, only a hidden temporary file may stay.
  mkfifo slow.fifo
  for sig in TERM KILL; do
    { head -c 4096 /dev/zero; sleep 3; } >slow.fifo &
    { timeout -s $sig 1 "$bin" cast --from fp32 --to fp64 --out cast.bin <slow.fifo >/dev/null 2>&1; } 2>/dev/null
    wait
    left=$(find . -name '.cast.bin.*')
    if [ "$(cat cast.bin)" != OLD ] || { [ $sig = TERM ] && [ -n "$left" ]; }; then
      echo "FAIL out-cast-killed ($sig): cast.bin is '$(head -c 20 cast.bin | od -An -c | head -1)', temporary files: $left"
      fail=$((fail + 1))
    fi
    rm -f .cast.bin.*
  done
  rm -f slow.fifo .cast.bin.*
  [ "$(cat cast.bin)" = OLD ] || { echo "FAIL: cast.bin lost its old content"; fail=$((fail + 1)); }
else
  for id in out-cast-pipe-partial out-cast-full out-cast-dir; do skipped $id "this numscope has no cast --out"; done
fi
[ "$(cat blocks.bin deq.npy)" = $'OLD\nOLD' ] || { echo "FAIL: an output target lost its old content"; fail=$((fail + 1)); }

# ---- files around numscope (outputs, signals, stdout, changing inputs) and documents (markers, claims, walks) ------
source "$here/files.sh"
source "$here/documents.sh"
source "$here/values.sh"

# ---- the table and the cases are the same set ------------------------------------------------------------------------
if [ -n "$doc" ]; then
  documented=$(grep -oE '^\| `[a-z0-9]+-[a-z0-9-]+`' "$doc" | tr -d '|` ' | LC_ALL=C sort)
  tested=$(printf '%s\n' "${ran[@]}" | LC_ALL=C sort)
  if [ "$documented" != "$tested" ]; then
    echo "FAIL: $doc and this script list different cases:"
    diff <(echo "$documented") <(echo "$tested") | grep '^[<>]' | sed 's/^</  only in the table:/; s/^>/  only in the script:/'
    fail=$((fail + 1))
  fi
  dups=$(printf '%s\n' "${ran[@]}" | sort | uniq -d)
  [ -z "$dups" ] || { echo "FAIL: duplicate case ids: $dups"; fail=$((fail + 1)); }
fi

echo "robustness: $pass passed, $fail failed, $skip skipped, $open known open"
[ "$fail" = 0 ]
