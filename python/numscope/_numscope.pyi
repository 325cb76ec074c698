"""
numscope's C++ library (the engine, the fast kernels and the commands), bound with nanobind
"""

from collections.abc import Sequence
from typing import Annotated

from numpy.typing import NDArray


def format_info(name: str) -> dict:
    """
    The canonical name, widths and value-fit facts of a format (any name `numscope formats` accepts).
    """

def convert(from_format: str, to_format: str, codes: Annotated[NDArray, dict(order='C', device='cpu', writable=False)], out: Annotated[NDArray, dict(order='C', device='cpu')], rounding: str = 'rne', saturate: bool = False, ftz: bool = False, seed: int = 1, nan_to: str = 'error', tf32_truncate: bool = False) -> None:
    """
    Converts a contiguous array of codes into `out`, as `numscope cast --from F --to G` does.
    """

class Result:
    """A command's result as the C++ library returns it (support/result.h)"""

    def data(self) -> dict:
        """The command, request, tables, notes and status as Python data"""

    def render(self, format: str, table: str = '') -> str:
        """
        The text the CLI prints for -o FORMAT (table, md, csv, json), optionally one table (--table)
        """

def formats(names: Sequence[str], exact: bool = False) -> Result: ...

def store(values: Sequence[str], formats: Sequence[str], rounding: str, saturate: bool, ftz: bool, seed: int, scale: str | None) -> Result: ...

def explain(format: str, value: str, rounding: str, saturate: bool, ftz: bool, seed: int) -> Result: ...

def values(format: str, finite_only: bool = False) -> Result: ...

def memory(options: Sequence[tuple[str, str]], list_models: bool = False, list_gpus: bool = False) -> Result: ...

class QuantizeArgs:
    def __init__(self) -> None: ...

    @property
    def inputs(self) -> list[str]: ...

    @inputs.setter
    def inputs(self, arg: Sequence[str], /) -> None: ...

    @property
    def tensors(self) -> list[str]: ...

    @tensors.setter
    def tensors(self, arg: Sequence[str], /) -> None: ...

    @property
    def schemes(self) -> list[str]: ...

    @schemes.setter
    def schemes(self, arg: Sequence[str], /) -> None: ...

    @property
    def include(self) -> list[str]: ...

    @include.setter
    def include(self, arg: Sequence[str], /) -> None: ...

    @property
    def exclude(self) -> list[str]: ...

    @exclude.setter
    def exclude(self, arg: Sequence[str], /) -> None: ...

    @property
    def include_1d(self) -> bool: ...

    @include_1d.setter
    def include_1d(self, arg: bool, /) -> None: ...

    @property
    def per_layer(self) -> bool: ...

    @per_layer.setter
    def per_layer(self, arg: bool, /) -> None: ...

    @property
    def percentiles(self) -> bool: ...

    @percentiles.setter
    def percentiles(self, arg: bool, /) -> None: ...

    @property
    def histogram(self) -> int: ...

    @histogram.setter
    def histogram(self, arg: int, /) -> None: ...

    @property
    def all(self) -> bool: ...

    @all.setter
    def all(self, arg: bool, /) -> None: ...

    @property
    def ignore_nonfinite(self) -> bool: ...

    @ignore_nonfinite.setter
    def ignore_nonfinite(self, arg: bool, /) -> None: ...

    @property
    def synthetic(self) -> str | None: ...

    @synthetic.setter
    def synthetic(self, arg: str | None, /) -> None: ...

    @property
    def dtype(self) -> str | None: ...

    @dtype.setter
    def dtype(self, arg: str | None, /) -> None: ...

    @property
    def dump_dequantized(self) -> str | None: ...

    @dump_dequantized.setter
    def dump_dequantized(self, arg: str | None, /) -> None: ...

    @property
    def write_blocks(self) -> str | None: ...

    @write_blocks.setter
    def write_blocks(self, arg: str | None, /) -> None: ...

    @property
    def imatrix(self) -> str | None: ...

    @imatrix.setter
    def imatrix(self, arg: str | None, /) -> None: ...

    @property
    def list_tensors(self) -> bool: ...

    @list_tensors.setter
    def list_tensors(self, arg: bool, /) -> None: ...

    @property
    def rounding(self) -> str: ...

    @rounding.setter
    def rounding(self, arg: str, /) -> None: ...

    @property
    def mx_scale(self) -> str: ...

    @mx_scale.setter
    def mx_scale(self, arg: str, /) -> None: ...

    @property
    def dump_scheme(self) -> str: ...

    @dump_scheme.setter
    def dump_scheme(self, arg: str, /) -> None: ...

    @property
    def threads(self) -> int: ...

    @threads.setter
    def threads(self, arg: int, /) -> None: ...

    @property
    def max_bits(self) -> float | None: ...

    @max_bits.setter
    def max_bits(self, arg: float | None, /) -> None: ...

    @property
    def min_sqnr(self) -> float | None: ...

    @min_sqnr.setter
    def min_sqnr(self, arg: float | None, /) -> None: ...

def quantize(args: QuantizeArgs, array: Annotated[NDArray, dict(order='C', device='cpu', writable=False)] | None, array_format: str = '', shape: Sequence[int] = [], array_name: str = 'array', array_dtype: str = '') -> Result: ...

def check(paths: Sequence[str], claims: Sequence[str], texts: Sequence[tuple[str, str]], failing_only: bool = False) -> Result: ...
