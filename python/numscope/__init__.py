"""numscope: the numbers of ML numeric formats, bit-exactly, from Python.

The same C++ library as the `numscope` CLI, called directly (no subprocess, no text parsed back):

- commands returning Results: formats, store, explain, values (tables of exact values, rendered as the CLI
  renders them; rows as dicts with the keys of `-o json`);
- arrays through a format: encode, decode, round (the fast kernels, the same bits as `numscope cast`),
  to_ml_dtypes / from_ml_dtypes;
- plots: numscope.plot (matplotlib).

Bad input raises ValueError with the CLI's one-line message.

>>> import numpy as np, numscope
>>> numscope.store("123456.789", "bf16").table[0]["stored"]
Exact('123392')
>>> numscope.round(np.float32([123456.789]), "bf16")
array([123392.], dtype=float32)
"""

from ._arrays import decode, encode, format_name, from_ml_dtypes, round, to_ml_dtypes
from ._commands import check, explain, formats, memory, quantize, store, values
from ._results import Column, Exact, Result, Table

__version__ = "0.1.0"
__all__ = ["formats", "store", "explain", "values", "memory", "quantize", "check", "encode", "decode", "round", "to_ml_dtypes",
           "from_ml_dtypes", "format_name", "Result", "Table", "Column", "Exact"]
