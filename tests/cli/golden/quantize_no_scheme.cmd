quantize --synthetic normal:n=4096,seed=1 --schemes q4_0,q8_0 --max-bits 2 --columns scheme,bits_per_element,recommended
