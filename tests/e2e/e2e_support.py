"""Inputs shared by the journeys in tests/e2e."""

from __future__ import annotations


def laughs(levels: int) -> str:
    """A "billion laughs" mapping: ``levels`` aliases, each nine copies of the one before."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(lines) + "\n"
