"""What the operation groups share: request validation, what a Create refuses, paging, tags."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from reconciler.emulator.errors import (
    AlreadyExistsException,
    BadRequestException,
    LimitExceededException,
    SesApiError,
)
from reconciler.emulator.registry import Result
from reconciler.ses_types import tag_problem

M = TypeVar("M", bound=BaseModel)

# SES documents this rule for templates and configuration sets; we apply it to every name SES
# leaves unconstrained in the model (pools, event destinations, contact lists, topics).
NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
# local@domain with a dot inside the domain; the look-ahead checks the dot once (the same rule
# written as [^@\s]+\.[^@\s]+$ backtracked over every dot: quadratic on a.b.c.c.c...@).
EMAIL = re.compile(r"^[^@\s]+@(?=[^@\s]+\.[^@\s])[^@\s]+$")


def check_name(value: str, member: str) -> str:
    if not NAME.match(value or ""):
        raise BadRequestException(
            f"Invalid {member} '{value}': use 1-64 characters: letters, digits, '_' and '-'."
        )
    return value


def check_no_nul(value: str | None, member: str) -> None:
    """Template text with a NUL byte is refused: mail cannot carry one (RFC 5322 forbids it in
    a message) and SES would fail to render or send it later; refusing it at once is the
    emulator's choice (docs/emulator.md)."""
    if value is not None and "\x00" in value:
        raise BadRequestException(f"Invalid {member}: it contains a NUL character (U+0000).")


def check_email(value: str, member: str = "EmailAddress") -> str:
    if not EMAIL.match(value or "") or len(value) > 320:
        raise BadRequestException(f"Invalid {member}: '{value}' is not a valid email address.")
    return value


def parse(model: type[M], data: Any, member: str) -> M:
    """Validate a request structure into its state shape; enum, range and pattern failures
    become BadRequestException worded like SES's validation errors."""
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join([member, *(str(p) for p in first["loc"])])
        raise BadRequestException(
            f"1 validation error detected: Value {first.get('input')!r} at '{where}' "
            f"failed to satisfy constraint: {first['msg']}"
        ) from None


def json_object(text: str, error: str) -> dict[str, Any]:
    """``text`` parsed as a JSON object; bad JSON or any other JSON value is
    BadRequestException with the message ``error``."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        raise BadRequestException(error) from None
    if not isinstance(value, dict):
        raise BadRequestException(error)
    return value


def check_new(table: Collection[str], key: str, taken: str, limit: int, what: str) -> None:
    """What a Create refuses before it adds ``key`` to ``table``, in this order: a key that is
    there already (AlreadyExistsException with the message ``taken``), then a full quota of
    ``limit`` (LimitExceededException naming ``what``)."""
    if key in table:
        raise AlreadyExistsException(taken)
    if len(table) >= limit:
        raise LimitExceededException(f"Maximum number of {what} ({limit}) reached.")


# ---- paging -------------------------------------------------------------------------------


def paginate(
    keys: Iterable[str],
    params: Mapping[str, Any],
    *,
    default: int = 100,
    low: int = 1,
    high: int = 1000,
    token_error: type[SesApiError] = BadRequestException,
) -> tuple[list[str], str | None]:
    """One page of ``keys`` (sorted here) from the request's PageSize and NextToken.

    The token names the last key returned, so deleting or adding items between calls never
    skips or repeats the ones that remain.
    """
    size = params.get("PageSize")
    if size is None or (size == 0 and low == 0):
        size = default
    if not low <= size <= high:
        raise BadRequestException(f"PageSize must be between {low} and {high}, got {size}.")
    ordered = sorted(keys)
    start = 0
    token = params.get("NextToken")
    if token:
        after = decode_token(token, token_error)
        start = next((i for i, key in enumerate(ordered) if key > after), len(ordered))
    page = ordered[start : start + size]
    more = start + size < len(ordered)
    return page, encode_token(page[-1]) if more and page else None


def listing(member: str, page: list[Any], token: str | None) -> Result:
    """A List operation's answer: the page under ``member``, and NextToken while more remain."""
    result: Result = {member: page}
    if token:
        result["NextToken"] = token
    return result


def encode_token(key: str) -> str:
    return base64.urlsafe_b64encode(("v1:" + key).encode()).decode()


def decode_token(token: str, error: type[SesApiError] = BadRequestException) -> str:
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    if not text.startswith("v1:"):
        raise error("The NextToken is invalid.")
    return text[3:]


# ---- tags ---------------------------------------------------------------------------------

MAX_TAGS = 50


def check_tags(tags: Sequence[Mapping[str, Any]] | None) -> dict[str, str]:
    """Tag list from a request -> an ordered dict, validated as SES does."""
    result: dict[str, str] = {}
    for tag in tags or []:
        key, value = tag.get("Key"), tag.get("Value")
        if not isinstance(key, str) or not 1 <= len(key) <= 128:
            raise BadRequestException("Tag keys must be 1-128 characters long.")
        if not isinstance(value, str) or len(value) > 256:
            raise BadRequestException(f"The value of tag '{key}' must be 0-256 characters long.")
        problem = tag_problem(key, value)
        if problem:
            raise BadRequestException(f"Invalid tag: {problem}.")
        if key in result:  # SES: "each tag key must be unique"
            raise BadRequestException(f"Duplicate tag key '{key}': each tag key must be unique.")
        result[key] = value
    return _at_most_max_tags(result)


def merge_tags(current: dict[str, str], new: dict[str, str]) -> dict[str, str]:
    return _at_most_max_tags({**current, **new})


def _at_most_max_tags(tags: dict[str, str]) -> dict[str, str]:
    if len(tags) > MAX_TAGS:
        raise BadRequestException(f"A resource can have at most {MAX_TAGS} tags.")
    return tags


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]
