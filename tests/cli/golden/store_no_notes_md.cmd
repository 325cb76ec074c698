store 123456.789 --formats bf16,e4m3 --no-notes -o md
