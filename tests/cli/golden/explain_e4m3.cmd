explain e4m3 448
