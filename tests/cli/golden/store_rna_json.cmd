store 2.5 -2.5 --formats int8,e2m1 --rounding rna -o json
