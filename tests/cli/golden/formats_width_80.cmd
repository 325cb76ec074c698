formats fp32 bf16 e4m3 e2m1 --width 80
