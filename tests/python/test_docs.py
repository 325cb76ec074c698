"""docs/python.md's examples run and print what the page says (doctest over the page)."""

import doctest

from conftest import ROOT


def test_python_md_examples():
    failed, attempted = doctest.testfile(str(ROOT / "docs" / "python.md"), module_relative=False,
                                         optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert attempted > 10
    assert failed == 0
