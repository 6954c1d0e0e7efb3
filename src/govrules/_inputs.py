"""attrs classes a caller may pass where the contract takes a mapping (CONTRACT §1, §3)."""

from __future__ import annotations

import attrs


@attrs.frozen
class Person:
    """A person (CONTRACT §3): name, role (code or Chinese term), portfolios, delegated_by_mayor."""

    name: str
    role: str
    portfolios: tuple[str, ...] = attrs.field(default=(), converter=tuple)
    delegated_by_mayor: bool = False
