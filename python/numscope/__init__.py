"""numscope: the numbers of ML numeric formats, bit-exactly, from Python.

The same C++ library as the `numscope` CLI, called directly (no subprocess). Arrays go through a format with
encode / decode / round (the fast kernels, the same bits as `numscope cast`); bad input raises ValueError with
the CLI's one-line message.

>>> import numpy as np, numscope
>>> numscope.round(np.float32([123456.789]), "bf16")
array([123392.], dtype=float32)
"""

from ._arrays import decode, encode, format_name, from_ml_dtypes, round, to_ml_dtypes

__version__ = "0.1.0"
__all__ = ["format_name", "encode", "decode", "round", "to_ml_dtypes", "from_ml_dtypes"]
