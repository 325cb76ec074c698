store 1 --formats fp17
