"""Every example in the package's docstrings runs and prints what it says (doctest), and every public function
has a docstring with an example."""

import doctest
import importlib
import inspect

import pytest

import numscope

MODULES = ["numscope", "numscope._arrays", "numscope._commands", "numscope._results", "numscope.plot"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    failed, attempted = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert failed == 0
    assert attempted > 0 or name == "numscope._results"


@pytest.mark.parametrize("name", [n for n in numscope.__all__ if inspect.isfunction(getattr(numscope, n))])
def test_public_functions_have_examples(name):
    doc = inspect.getdoc(getattr(numscope, name))
    assert doc and ">>> " in doc, name
