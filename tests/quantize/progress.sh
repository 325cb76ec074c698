#!/bin/bash
# `numscope quantize` progress (docs/quantize.md, Whole models): a line on stderr naming the tensor and the share
# done (bytes of the run, rate, time left) when stderr is a terminal, nothing when it is not. script(1) (util-linux, in every Debian) runs the command
# on a pseudo-terminal.
set -u
bin=$1 model=$2
command -v script > /dev/null || { echo "progress.sh needs script(1) (util-linux)"; exit 1; }
fail=0
tty=$(script -qec "'$bin' quantize --input '$model' --all --schemes q8_0 --table schemes -o csv" /dev/null)
for want in '[1/58] token_embd.weight: ' '[58/58] output.weight: ' 'reading value statistics' '100.0%' 'B/s' ' left'; do
  [[ $tty == *"$want"* ]] || { echo "FAIL: on a terminal, no '$want' in the progress output"; fail=1; }
done
quiet=$("$bin" quantize --input "$model" --all --schemes q8_0 --table schemes -o csv 2>&1 > /dev/null)
[[ -z $quiet ]] || { echo "FAIL: stderr redirected, yet it got: $quiet"; fail=1; }
[[ $fail == 0 ]] && echo "progress: a line on a terminal, silence otherwise"
exit $fail
