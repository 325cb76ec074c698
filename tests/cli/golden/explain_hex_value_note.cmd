explain fp32 0x3dcccccd
