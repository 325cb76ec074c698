cast -o json --from fp32 --to fp16
