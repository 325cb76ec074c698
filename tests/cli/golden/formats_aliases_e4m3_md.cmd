formats --aliases e4m3 float8_e4m3 -o md
