store 1 --formats fp8
