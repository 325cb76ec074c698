explain bf16 --bits 47f1 -o json
