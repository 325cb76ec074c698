formats --aliases
