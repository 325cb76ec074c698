# Sourced by robustness.sh (its helpers, $bin, the working folder): what numscope does to files around it.
# Outputs that are not regular files, symlinks, modes, planted temporaries, full disks, concurrent updates,
# signals during a long run, a failed stdout and an input truncated while it is read.
# No case touches a device node of the machine: device cases make their own nodes (mknod, as root) and skip
# otherwise; the full disk is a file-size limit (always) and a 16 KiB tmpfs (where mounting is allowed).

# verdict ID WHY: records a case checked by hand; an empty WHY passes.
verdict() {
  ran+=("$1")
  if [ -z "$2" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1:$2"; fi
}
# run_cli OUT ERR ARGS...: numscope with stdout and stderr to files; sets rc.
run_cli() {
  local o=$1 e=$2
  shift 2
  timeout "$limit" "$bin" "$@" >"$o" 2>"$e"
  rc=$?
}
one_line() {  # one_line FILE REGEX: exactly one line "numscope: ..." matching REGEX
  [ "$(wc -l <"$1")" = 1 ] && grep -q '^numscope: ' "$1" && grep -Eq -- "$2" "$1"
}
temporaries() { find . -name '*.numscope-*' -o -name '*.tmp[0-9]*' | sort | tr '\n' ' '; }
is_root=0
[ "$(id -u)" = 0 ] && is_root=1
head -c 4096 /dev/zero >z4k.bin  # 1024 fp32 zeros

# ---- outputs that are not regular files: written in place, never replaced ----------------------------------------
mkfifo out.fifo
cat out.fifo >fifo.got &
reader=$!
run_cli r.out r.err cast --from fp32 --to fp16 --out out.fifo <z4k.bin
wait $reader
why=""
[ "$rc" = 0 ] || why+=" exit $rc;"
[ -p out.fifo ] || why+=" out.fifo is no longer a FIFO;"
[ "$(wc -c <fifo.got)" = 2048 ] || why+=" the reader got $(wc -c <fifo.got) bytes (want 2048);"
verdict out-fifo "$why"
rm -f out.fifo fifo.got

if [ "$is_root" = 1 ] && mknod own-null c 1 3 2>/dev/null; then
  run_cli r.out r.err cast --from fp32 --to fp64 --out own-null <z4k.bin
  why=""
  [ "$rc" = 0 ] || why+=" exit $rc;"
  [ -c own-null ] || why+=" own-null is no longer a character device: $(ls -l own-null);"
  verdict out-chardev "$why"
  rm -f own-null
else
  skipped out-chardev "mknod needs root"
fi
stdin=z4k.bin bad out-dir 'is a directory' cast --from fp32 --to fp16 --out adir
if [ "$is_root" = 1 ] && mknod own-blk b 7 250 2>/dev/null; then
  stdin=z4k.bin bad out-blockdev 'block device' cast --from fp32 --to fp16 --out own-blk
  rm -f own-blk
else
  skipped out-blockdev "mknod needs root"
fi

# ---- regular targets: symlinks written through, modes kept, planted names never followed --------------------------
echo OLD >real.bin
ln -s real.bin link.bin
ln -s made.bin dangling.bin
echo OLD >mode.bin
chmod 640 mode.bin
run_cli r.out r.err cast --from fp32 --to fp16 --out link.bin <z4k.bin
why=""
[ "$rc" = 0 ] || why+=" exit $rc;"
[ -L link.bin ] && [ "$(readlink link.bin)" = real.bin ] || why+=" link.bin is no longer a link to real.bin;"
[ "$(wc -c <real.bin)" = 2048 ] || why+=" real.bin holds $(wc -c <real.bin) bytes (want 2048);"
verdict out-symlink "$why"
run_cli r.out r.err cast --from fp32 --to fp16 --out dangling.bin <z4k.bin
why=""
[ "$rc" = 0 ] || why+=" exit $rc;"
[ -L dangling.bin ] || why+=" dangling.bin was replaced;"
[ -f made.bin ] && [ "$(wc -c <made.bin)" = 2048 ] || why+=" made.bin was not written through the link;"
verdict out-dangling-symlink "$why"
run_cli r.out r.err cast --from fp32 --to fp16 --out mode.bin <z4k.bin
why=""
[ "$rc" = 0 ] || why+=" exit $rc;"
[ "$(stat -c %a mode.bin)" = 640 ] || why+=" mode $(stat -c %a mode.bin) (want 640);"
verdict out-mode "$why"
rm -f real.bin link.bin dangling.bin made.bin mode.bin

# A drifted note (its table is stale) and a victim file behind symlinks planted at the old temporary names.
printf '# note\n<!-- numscope: formats fp16 bf16 -o md -->\nstale\n<!-- end -->\n' >stale.md
cp stale.md note.md
echo VICTIM >victim
ln -s victim note.md.tmp
ln -s victim .note.md.tmp
run_cli r.out r.err doc-tables --update note.md
why=""
[ "$rc" = 0 ] || why+=" exit $rc;"
[ "$(cat victim)" = VICTIM ] || why+=" the file behind the planted symlink was written;"
grep -q 'max_digits10\|max' note.md || why+=" note.md was not updated;"
verdict out-planted-tmp "$why"
rm -f victim note.md.tmp .note.md.tmp

# ---- two outputs naming one file, an input named as an output: refused before anything is written ----------------
echo OLD >blocks.bin
ln -s blocks.bin blocks.link
bad out-same-file 'name the same file' quantize --synthetic normal:n=64 --schemes q8_0 --write-blocks blocks.bin --dump-dequantized blocks.bin
bad out-same-file-link 'name the same file' quantize --synthetic normal:n=64 --schemes q8_0 --write-blocks blocks.bin --dump-dequantized blocks.link
npy in4.npy 1 "{'descr': '<f4', 'fortran_order': False, 'shape': (64,), }" 256
bad out-input-is-output 'both an input' quantize --input in4.npy --schemes q8_0 --dump-dequantized in4.npy
echo OLD >cast.bin
stdin=cast.bin bad out-cast-input-is-output 'both the input' cast --from fp32 --to fp16 --out cast.bin
rm -f blocks.link

# ---- full disks: the old content stays, no temporary is left ----------------------------------------------------
# A note whose regenerated table is larger than the 1 KiB file-size limit.
printf '<!-- numscope: formats -o md -->\nstale\n<!-- end -->\n' >big.md
pre=("${fsize[@]}")
bad out-doc-full 'cannot write' doc-tables --update big.md
mounted=0
if [ "$is_root" = 1 ] && mkdir small && mount -t tmpfs -o size=16k tmpfs small 2>/dev/null; then
  mounted=1
  echo OLD >small/t.bin
  head -c 65536 /dev/zero >z64k.bin
  stdin=z64k.bin bad out-tmpfs-full 'No space left' cast --from fp32 --to fp64 --out small/t.bin
  umount small
  rm -f z64k.bin
else
  skipped out-tmpfs-full "mounting a tmpfs needs root (and a machine that allows it)"
fi
rmdir small 2>/dev/null

# ---- concurrent updates of one note: every run succeeds, the note ends right, no temporary stays -----------------
why=""
for round in 1 2 3; do
  cp stale.md conc.md
  pids=()
  for k in 1 2 3 4; do
    "$bin" doc-tables --update conc.md >/dev/null 2>"r.err$k" &
    pids+=($!)
  done
  for k in 1 2 3 4; do
    wait "${pids[$((k - 1))]}" || why+=" round $round: run $k exit $? ($(head -c 200 "r.err$k"));"
  done
  "$bin" doc-tables conc.md >/dev/null 2>&1 || why+=" round $round: the note is not up to date afterwards;"
done
[ -z "$(temporaries)" ] || why+=" temporaries left: $(temporaries);"
verdict out-concurrent-update "$why"
rm -f conc.md r.err[0-9]

# ---- a signal during a long run: the target keeps its old content, every temporary is removed --------------------
echo OLD >long.bin
echo OLD >long.npy
for sig in INT TERM HUP; do
  env --default-signal="$sig" "$bin" quantize --synthetic normal:n=33554432 --threads 1 --write-blocks long.bin \
    --schemes int8,e4m3,nf4,mxfp4,q8_0,int4 \
    --dump-dequantized long.npy --dump-scheme q8_0 >/dev/null 2>r.err &
  pid=$!
  for _ in $(seq 1200); do [ -n "$(temporaries)" ] && break; sleep 0.05; done  # 60 s: ASan on a busy machine
  seen=$(temporaries)
  kill -s "$sig" "$pid"
  wait "$pid" 2>/dev/null
  rc=$?
  why=""
  [ -n "$seen" ] || why+=" no temporary appeared within 60 s;"
  [ "$rc" = $((128 + $(kill -l "$sig"))) ] || why+=" exit $rc (want death by SIG$sig);"
  [ "$(cat long.bin long.npy)" = $'OLD\nOLD' ] || why+=" a target lost its old content;"
  [ -z "$(temporaries)" ] || why+=" temporaries left: $(temporaries);"
  verdict "sig-${sig,,}-quantize" "$why"
  rm -f .long.*numscope-*
done
rm -f long.bin long.npy

# ---- stdout: a failed write is exit 2 with one line; a closed pipe ends silently with status 141 ------------------
why=""
timeout "$limit" "$bin" formats >&- 2>r.err
rc=$?
[ "$rc" = 2 ] || why+=" exit $rc (want 2);"
one_line r.err 'cannot write the output' || why+=" stderr: $(head -c 200 r.err);"
timeout "$limit" "$bin" check --claim '1 = 2' >&- 2>r.err  # a false claim is exit 1, a lost report exit 2
[ $? = 2 ] || why+=" check with a closed stdout: exit $? (want 2);"
verdict stdout-closed "$why"
why=""
bash -c 'trap "" XFSZ; ulimit -f 1; exec "$0" "$@"' "$bin" values fp16 >fsize.txt 2>r.err
rc=$?
[ "$rc" = 2 ] || why+=" exit $rc (want 2);"
one_line r.err 'cannot write the output.*File too large' || why+=" stderr: $(head -c 200 r.err);"
verdict stdout-file-size "$why"
rm -f fsize.txt
if [ "$is_root" = 1 ] && mknod own-full c 1 7 2>/dev/null; then
  why=""
  timeout "$limit" "$bin" formats >own-full 2>r.err
  rc=$?
  [ "$rc" = 2 ] || why+=" exit $rc (want 2);"
  one_line r.err 'No space left' || why+=" stderr: $(head -c 200 r.err);"
  verdict stdout-full "$why"
  rm -f own-full
else
  skipped stdout-full "mknod needs root"
fi
why=""
env --default-signal=PIPE "$bin" values fp16 2>r.err | head -c 100 >/dev/null
rc=${PIPESTATUS[0]}
[ "$rc" = 141 ] || why+=" exit $rc (want 141, SIGPIPE);"
[ ! -s r.err ] || why+=" stderr: $(head -c 200 r.err);"
verdict stdout-pipe-closed "$why"

# ---- an input truncated while it is read: one line naming it, exit 2 (was SIGBUS, exit 135) ---------------------
# A sparse 256 MiB .npy; numscope is stopped as soon as the file is mapped, the file is cut, numscope resumes.
{ printf '\x93NUMPY\x01\x00'; le 118 2; printf "%-117s\n" "{'descr': '<f4', 'fortran_order': False, 'shape': (67108864,), }"; } >shrink.npy
truncate -s $((128 + 268435456)) shrink.npy
"$bin" quantize --input shrink.npy --schemes int8 --threads 1 >/dev/null 2>r.err &
pid=$!
for _ in $(seq 400); do grep -q shrink.npy "/proc/$pid/maps" 2>/dev/null && break; sleep 0.01; done
kill -STOP "$pid" 2>/dev/null
truncate -s 4096 shrink.npy
kill -CONT "$pid" 2>/dev/null
wait "$pid"
rc=$?
why=""
[ "$rc" = 2 ] || why+=" exit $rc (want 2);"
one_line r.err 'shrink.npy changed size while being read' || why+=" stderr: $(head -c 200 r.err);"
verdict input-truncated "$why"
rm -f shrink.npy r.out r.err stale.md big.md
