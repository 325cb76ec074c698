decode tf32 0x3dcce000
