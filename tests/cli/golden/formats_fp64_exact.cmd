formats fp64 --exact --columns name,max,min_normal,min_subnormal,epsilon
