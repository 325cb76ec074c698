store 1 --format fp16
