formats e4m3 int4 --bare -o md --columns name,bits,bytes,max
