"""The committed type stub of the extension (python/numscope/_numscope.pyi) is what nanobind's stubgen writes for
the module as built: regenerate it with
    .venv/bin/python -m nanobind.stubgen -m numscope._numscope -o python/numscope/_numscope.pyi"""

import subprocess
import sys

from conftest import ROOT


def test_extension_stub_is_current(tmp_path):
    out = tmp_path / "_numscope.pyi"
    subprocess.run([sys.executable, "-m", "nanobind.stubgen", "-q", "-m", "numscope._numscope", "-o", str(out)],
                   check=True)
    assert out.read_text() == (ROOT / "python" / "numscope" / "_numscope.pyi").read_text()
