"""A stage package's public names, imported from its modules on first use, so `import csir_lib.x` stays light.

Each stage's `__init__.py` calls `public_api(__name__, {...})` (PEP 562): `from csir_lib.report import open_study`
then imports `csir_lib.report.study` and nothing else, and the heavy dependencies (torch, matplotlib) load only
with the function that needs them. The mapping names where each public name lives:

- `"open_study": "study"`: the function `open_study` of the module `study`;
- `"lexicon_metrics": "report.metrics_rows"`: a module's function under a clearer public name;
- `"figures": "figures"`: a module whose functions are the API (a namespace of plots).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def public_api(package: str, names: dict[str, str]) -> tuple[list[str], Callable[[str], Any], Callable[[], list[str]]]:
    """`__all__`, `__getattr__` and `__dir__` for `package`, whose public `names` map to "module[.attribute]"."""

    def getattr_(name: str) -> Any:
        """Import the module that holds `name` and return it (PEP 562's module `__getattr__`)."""
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r} (its public names: {sorted(names)})")
        module, _, attribute = names[name].partition(".")
        loaded = importlib.import_module(f"{package}.{module}")
        return loaded if name == module and not attribute else getattr(loaded, attribute or name)

    def dir_() -> list[str]:
        """The public names, for tab completion in JupyterLab."""
        return sorted(names)

    return sorted(names), getattr_, dir_
