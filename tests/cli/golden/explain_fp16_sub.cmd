explain fp16 1e-7
