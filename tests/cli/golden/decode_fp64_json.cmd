decode fp64 0x0000000000000001 0x7fefffffffffffff -o json
