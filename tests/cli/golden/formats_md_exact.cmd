formats fp16 e4m3 e8m0 e6m9:bias=20 int4 -o md --exact
