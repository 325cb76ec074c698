check --failing --claim 'max(fp16) = 65504' --claim 'max(e4m3) = 448'
