"""A seeded generator of templates inside the SES profile, and of JSON data for them.

Used by the differential test (against handlebars.js) and the property tests. Names are drawn
from small pools so lookups often hit; ``guard_only`` keeps guard names apart from printed ones.
"""

from __future__ import annotations

import random
from typing import Any

NAMES = ["a", "b", "c", "d", "e"]
TEXT = ["x", " ", "\n", "  \n", "<p>", "a=b", "&", "\t", "\r\n", "é", "\\{{a}}", "\\\\{{b}}"]
STRINGS = ["", "0", "x", "<b>&'\"`=", "two words", "line\nbreak", "ü"]
NUMBERS = [0, 1, -1, 7, 1.0, 0.5, -0.0, 1e21, 1e-7, 1e-6, 123456.789, 2**53 + 1, 1e16, 0.1]


def data(rng: random.Random, depth: int = 0) -> Any:
    """A random JSON value; objects use the name pool as keys."""
    roll = rng.random()
    if depth < 3 and roll < 0.35:
        return {k: data(rng, depth + 1) for k in rng.sample(NAMES, rng.randint(0, 4))}
    if depth < 3 and roll < 0.5:
        return [data(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    roll = rng.random()
    if roll < 0.35:
        return rng.choice(STRINGS)
    if roll < 0.7:
        return rng.choice(NUMBERS)
    if roll < 0.9:
        return rng.choice([True, False])
    return None


def root_data(rng: random.Random) -> dict[str, Any]:
    return {k: data(rng, 1) for k in rng.sample(NAMES, rng.randint(2, 5))}


class TemplateGen:
    def __init__(self, rng: random.Random, *, partials: bool = True, parent_paths: bool = True) -> None:
        self.rng = rng
        self.partials = partials
        self.parent_paths = parent_paths
        self.inline: list[str] = []
        self.in_each = 0  # @index and friends exist only inside #each

    def path(self) -> str:
        r = self.rng
        name = r.choice(NAMES)
        roll = r.random()
        if roll < 0.2:
            return f"{name}.{r.choice(NAMES)}"
        if roll < 0.25:
            return f"{name}/{r.choice(NAMES)}"
        if roll < 0.3:
            return f"this.{name}"
        if roll < 0.35 and self.parent_paths:
            return f"../{name}"
        if roll < 0.4:
            return f"[{name}]"
        if roll < 0.45:
            return "this"
        if roll < 0.48:
            return f"@root.{name}"
        return name

    def guard(self) -> str:
        """A guard argument: one segment, so handlebars.js never trips on a missing parent."""
        return self.rng.choice([*NAMES, "this"])

    def body(self, depth: int) -> str:
        return "".join(self.element(depth) for _ in range(self.rng.randint(0, 4)))

    def element(self, depth: int) -> str:
        r = self.rng
        roll = r.random()
        if roll < 0.25 or depth > 2:
            return r.choice(TEXT)
        if roll < 0.45:
            p = self.path()
            return r.choice(["{{%s}}", "{{{%s}}}", "{{&%s}}", "{{~%s}}", "{{%s~}}", "{{ %s }}"]) % p
        if roll < 0.5:
            return r.choice(["{{! note }}", "{{!-- a }} b --}}", "\n{{! standalone }}\n"])
        if roll < 0.53:
            return r.choice(["{{@index}}", "{{@key}}", "{{@first}}", "{{@last}}"]) if self.in_each else "x"
        if roll < 0.56:
            return f'{{{{lookup {self.guard()} "{r.choice(NAMES)}"}}}}'
        if roll < 0.58:
            return r.choice(['{{"a"}}', "{{'b'}}", "{{lookup this c}}", "{{[c]}}"])
        nl = r.choice(["", "\n", "\n  "])
        g = self.guard()
        kind = r.random()
        each = 0.35 <= kind < 0.65
        self.in_each += each
        inner = self.body(depth + 1)
        self.in_each -= each
        other = self.body(depth + 1)
        if kind < 0.25:
            tail = r.choice(
                ["", f"{nl}{{{{else}}}}{nl}{other}", f"{{{{else if {self.guard()}}}}}{other}", "{{^}}x"]
            )
            return f"{nl}{{{{#if {g}}}}}{nl}{inner}{tail}{nl}{{{{/if}}}}{nl}"
        if kind < 0.35:
            tail = r.choice(["", f"{{{{else}}}}{other}"])
            return f"{{{{#unless {g}}}}}{inner}{tail}{{{{/unless}}}}"
        if kind < 0.6:
            extra = r.choice(
                ["", "{{@index}}", "{{@key}}:", "{{#if @first}}F{{/if}}", "{{#if @last}}L{{/if}}"]
            )
            tail = r.choice(["", f"{{{{else}}}}{other}"])
            return f"{nl}{{{{#each {g}}}}}{nl}{extra}{inner}{tail}{{{{/each}}}}{nl}"
        if kind < 0.65:
            return f"{{{{#each {g} as |item key|}}}}{{{{key}}}}={{{{item}}}};{inner}{{{{/each}}}}"
        if kind < 0.8:
            tail = r.choice(["", f"{{{{else}}}}{other}"])
            params = r.choice(["", " as |w|"])
            return f"{{{{#with {g}{params}}}}}{inner}{tail}{{{{/with}}}}"
        if kind < 0.9:
            return f"{{{{#{g}}}}}{inner}{{{{/{g}}}}}"
        if kind < 0.95:
            return f"{{{{^{g}}}}}{inner}{{{{/{g}}}}}"
        if self.partials:
            name = f"p{len(self.inline)}"
            self.inline.append(f'{{{{#*inline "{name}"}}}}{inner}{{{{/inline}}}}')
            call = r.choice([f"{{{{> {name}}}}}", f"{{{{> {name} {g}}}}}", f"{{{{> {name} k={g}}}}}"])
            return f"{nl}{call}{nl}"
        return inner

    def template(self) -> str:
        self.inline = []
        main = self.body(0) + self.body(0)
        return "".join(self.inline) + main
