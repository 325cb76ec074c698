store 0.1 --formats fp16,bf16 --columns format,stored,bits
