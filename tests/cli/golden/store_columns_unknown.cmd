store 0.1 --columns nope
