values fp32
