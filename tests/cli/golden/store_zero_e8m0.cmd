store 0 -0 --formats e8m0,fp16 -o csv --columns format,input,stored,status,abs_error,rel_error,rel_error_exact,bits
