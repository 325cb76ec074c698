store 1.5 --formats fp8_e5m2,single,torch.float8_e4m3fn,FLOAT8-E4M3FN,float8_e4m3,bfloat16,half,F8_E4M3 --columns format,stored,bits
