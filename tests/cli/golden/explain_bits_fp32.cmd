explain fp32 --bits 0x3dcccccd
