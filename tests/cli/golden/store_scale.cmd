store 0.1 --formats int8 --scale 1/127 -o csv
