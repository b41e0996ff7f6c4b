"""What the JSON forms of fxtv's result records share."""

from __future__ import annotations

from typing import Any


def attrs_json(obj: object, *names: str) -> dict[str, Any]:
    """``{name: obj.name}`` for each of ``names``, in order: the fields a record's JSON form
    gives as they are, under their own names."""
    return {name: getattr(obj, name) for name in names}
