"""Package discovery for setuptools; everything else is declared in pyproject.toml.

The spec files stay at the top of the repository (``specs/``) and ship inside the wheel as the
package ``validator.specs``, read with importlib.resources (``validator/_specs.py``). Mapping one
package onto another directory next to discovered ones is what pyproject's declarative
``packages.find`` cannot say, hence this file: new subpackages are still found on their own.
"""

from setuptools import find_packages, setup

# specs/cases is listed as a (data-only) package of its own: setuptools warns about a directory
# inside a package that is neither a listed package nor excluded.
SPECS = ["validator.specs", "validator.specs.cases"]

setup(
    packages=[*find_packages(include=["validator*", "passes*"]), *SPECS],
    package_dir={"validator.specs": "specs"},
    package_data={**{name: ["*.toml"] for name in SPECS}, "passes": ["catalog.toml"]},
)
