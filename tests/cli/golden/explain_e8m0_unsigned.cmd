explain e8m0 3
