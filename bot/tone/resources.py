"""Loading of the tone engine's data files (TOML shipped inside the package)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

_PACKAGE = "bot.tone"


def load_toml(name: str) -> dict[str, Any]:
    """Parse one of the package's TOML data files; called once per analyzer, never per message."""
    text = resources.files(_PACKAGE).joinpath(name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def float_table(table: Mapping[str, Any]) -> dict[str, float]:
    """A TOML table of numbers as ``{key: float}``, so that ints and floats read the same."""
    return {str(key): float(value) for key, value in table.items()}


def string_list(table: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """A list of strings from a TOML table, empty when the key is absent."""
    return tuple(str(item) for item in table.get(key, ()))
