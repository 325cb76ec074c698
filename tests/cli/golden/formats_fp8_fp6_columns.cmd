formats fp8 fp6 --columns name,bits,bytes,emin,emax,max
