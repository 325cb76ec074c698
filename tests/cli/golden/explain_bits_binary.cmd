explain e4m3 0b0.1111.110
