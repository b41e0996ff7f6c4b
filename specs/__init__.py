"""fxtv's spec files, shipped as the package ``validator.specs`` (see setup.py).

The repository keeps them here, at the top level: ``ops.toml`` (the program generator's operators)
and ``cases/*.toml`` (the bug benchmark). Code reads them through ``validator._specs``, never by a
path relative to a source file, so an installed wheel finds them too.
"""
