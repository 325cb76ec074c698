formats
