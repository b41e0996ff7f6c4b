"""The bug benchmark: declarative cases with ground truth, fxtv and baselines side by side.

    specs = load_specs()  # the bundled specs/cases (a directory may be given)
    records = run_bench(specs, jobs=2, out_dir="out/bench")
    print(markdown(records, command="fxtv bench"))

``specs/README.md`` documents the case format; ``fxtv bench`` is the command line.
"""

from ._case import run_case
from ._runner import run_bench
from ._spec import Spec, SpecError, Truth, load_spec, load_specs, parse_spec
from ._summary import markdown

__all__ = ["Spec", "SpecError", "Truth", "load_spec", "load_specs", "markdown", "parse_spec", "run_bench", "run_case"]
