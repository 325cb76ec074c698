store 1 --formats nvfp4
