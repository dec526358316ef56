"""SES event records -> facts: unwrapping the envelopes, recognising control messages, and
turning one record into the message-level facts the store keeps.

What arrives is one of
- a bare SES record (Firehose lines, SNS with raw message delivery, files);
- an SNS notification (``{"Type": "Notification", "Message": "<record as a string>"}``), or
  SNS's SubscriptionConfirmation / UnsubscribeConfirmation, or SES's validation message
  ("Successfully validated SNS topic for Amazon SES event publishing.");
- an EventBridge envelope (``{"source": "aws.ses", "detail-type": ..., "detail": {record}}``).

A record becomes one fact per recipient it is about (a Bounce naming three recipients is three
bounces, as SES counts them). Recipient addresses never leave this module in clear: each is
replaced by a keyed hash (``RecipientHasher``) and its domain. Addresses inside diagnostic texts
are masked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from reconciler.sending.masking import mask_text
from reconciler.sending.tags import IDEMPOTENCY_TAG, VARIANT_TAG

VALIDATION_PREFIX = "Successfully validated SNS topic for Amazon SES event publishing"
SNS_CONTROL_TYPES = {"SubscriptionConfirmation", "UnsubscribeConfirmation"}

# eventType (or an identity notification's notificationType) -> the stored event type
EVENT_TYPES: dict[str, str] = {
    "Send": "send",
    "Delivery": "delivery",
    "Bounce": "bounce",
    "Complaint": "complaint",
    "Reject": "reject",
    "Rendering Failure": "rendering_failure",
    "DeliveryDelay": "delivery_delay",
    "Open": "open",
    "Click": "click",
    "Subscription": "subscription",
}
STORED_TYPES: tuple[str, ...] = tuple(EVENT_TYPES.values())
DETAIL_MEMBER: dict[str, str] = {
    "Send": "send",
    "Delivery": "delivery",
    "Bounce": "bounce",
    "Complaint": "complaint",
    "Reject": "reject",
    "Rendering Failure": "failure",
    "DeliveryDelay": "deliveryDelay",
    "Open": "open",
    "Click": "click",
    "Subscription": "subscription",
}
# Tags that differ per message (SES's sending IPs, the caller's IP, `sesctl send`'s idempotency
# tag <run>-<row>): storing them would make every message's tag set unique (and the hourly
# rollup as large as the events) and says nothing about a campaign. A `sesctl send` campaign is
# found by its sesctl-campaign tag (the run id) instead.
SKIPPED_TAGS = frozenset({"ses:source-ip", "ses:outgoing-ip", IDEMPOTENCY_TAG})
VARIANT_TAGS = (VARIANT_TAG,)
TEMPLATE_TAGS = ("sesctl-template", "template")
MAX_RECIPIENTS = 50  # SES's limit per message; a record naming more is not SES's
MAX_TEXT = 1000  # diagnostic codes and error messages are cut here


class Unparseable(ValueError):
    """The record cannot be turned into facts; the message says why (kept in quarantine)."""


class Fact(NamedTuple):
    """One message-level fact, as stored (see docs/events.md, "The event schema"). A named
    tuple rather than a dataclass: worker processes send facts back to the consumer, and a
    tuple crosses a process boundary several times faster."""

    key: bytes  # the idempotency key: the same event delivered twice has the same key
    message_id: str
    event_type: str
    event_time: int  # milliseconds since the epoch, UTC: the event's own timestamp
    sent_time: int | None  # mail.timestamp
    recipient_hash: str | None
    recipient_domain: str | None
    configuration_set: str | None
    template: str | None
    variant: str | None
    from_domain: str | None
    tags: tuple[tuple[str, str], ...]
    bounce_type: str | None = None
    bounce_subtype: str | None = None
    status: str | None = None  # the SMTP enhanced status (bounce, delay)
    diagnostic: str | None = None  # bounce/delay diagnostic code, addresses masked
    feedback_type: str | None = None  # complaint
    reason: str | None = None  # reject reason, rendering failure error, delay type
    link: str | None = None  # click
    contact_list: str | None = None  # subscription
    detail: str | None = None  # JSON of what else is worth keeping (link tags, topic preferences)


@dataclass(frozen=True)
class Control:
    """A message that is not an event and is not an error: SNS confirmations, SES's validation."""

    kind: str


Hasher = Callable[[str], str]


class RecipientHasher:
    """HMAC-SHA256 of the lower-cased address under the store's key, as 32 hex digits: equal
    addresses give equal hashes in one store, and nobody without the key can test a guess."""

    def __init__(self, key: bytes) -> None:
        self.key = key
        self._cache: dict[str, str] = {}

    def __call__(self, address: str) -> str:
        normal = address.strip().lower()
        found = self._cache.get(normal)
        if found is None:
            found = hmac.new(self.key, normal.encode(), hashlib.sha256).hexdigest()[:32]
            if len(self._cache) < 100_000:
                self._cache[normal] = found
        return found


# ---- envelopes --------------------------------------------------------------------------------


def documents(raw: bytes) -> Iterator[tuple[int, bytes]]:
    """The JSON documents in a file or object: one per line (newline-delimited JSON), and also
    documents written back to back on one line (Firehose concatenates what it is given).
    Yields (line number, bytes); a line that is not JSON is yielded whole so it is quarantined."""
    decoder = json.JSONDecoder()
    for number, line in enumerate(raw.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if b"}{" not in stripped:
            yield number, stripped
            continue
        try:
            text = stripped.decode()
        except UnicodeDecodeError:
            yield number, stripped
            continue
        position = 0
        pieces: list[bytes] = []
        try:
            while position < len(text):
                _, end = decoder.raw_decode(text, position)
                pieces.append(text[position:end].encode())
                while end < len(text) and text[end].isspace():
                    end += 1
                position = end
        except json.JSONDecodeError:
            yield number, stripped
            continue
        for piece in pieces:
            yield number, piece


def unwrap(raw: bytes) -> dict[str, Any] | Control:
    """The SES record inside ``raw`` (whatever envelope it came in), or a Control.

    Raises Unparseable for anything else (not JSON, not SES, a foreign EventBridge event)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unparseable(f"not UTF-8 text (byte {exc.start})") from None
    if text.lstrip().startswith(VALIDATION_PREFIX):  # SNS raw message delivery of SES's validation
        return Control("ses:validation")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise Unparseable(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError as exc:  # an integer of over 4,300 digits
        raise Unparseable(f"not JSON sesctl can read: {str(exc).split(';')[0]}") from None
    except RecursionError:
        raise Unparseable("not JSON: nested too deeply") from None
    return _unwrap(document, depth=0)


def _unwrap(document: Any, depth: int) -> dict[str, Any] | Control:
    if depth > 2:
        raise Unparseable("envelopes nested more than twice")
    if not isinstance(document, dict):
        raise Unparseable(f"a JSON {type(document).__name__}, not an object")
    sns_type = document.get("Type")
    if sns_type in SNS_CONTROL_TYPES:
        return Control(f"sns:{sns_type}")
    if sns_type == "Notification" and "Message" in document:
        message = document["Message"]
        if not isinstance(message, str):
            raise Unparseable("SNS notification whose Message is not a string")
        if message.startswith(VALIDATION_PREFIX):
            return Control("ses:validation")
        try:
            inner = json.loads(message)
        except ValueError:  # JSONDecodeError, or an integer of over 4,300 digits
            raise Unparseable("SNS notification whose Message is not JSON") from None
        except RecursionError:
            raise Unparseable("SNS notification whose Message is nested too deeply") from None
        return _unwrap(inner, depth + 1)
    if "detail-type" in document and "detail" in document:
        source = document.get("source")
        if source != "aws.ses":
            raise Unparseable(f"foreign EventBridge event (source {str(source)[:100]!r}, not aws.ses)")
        return _unwrap(document["detail"], depth + 1)
    kind = document.get("eventType", document.get("notificationType"))
    if kind == "AmazonSnsSubscriptionSucceeded":
        return Control("ses:validation")
    if not isinstance(kind, str) or kind not in EVENT_TYPES:
        if kind is None:
            raise Unparseable("not an SES event record (no eventType)")
        raise Unparseable(f"unknown eventType {str(kind)[:100]!r}")
    return document


# ---- records -> facts --------------------------------------------------------------------------


def parse_time(value: Any, what: str) -> int:
    """An SES ISO-8601 timestamp -> milliseconds since the epoch."""
    if not isinstance(value, str) or not value:
        raise Unparseable(f"{what}: missing timestamp")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Unparseable(f"{what}: not an ISO-8601 timestamp: {value[:60]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def _text(value: Any, limit: int = 256) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text[:limit]


def _key(*parts: str) -> bytes:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).digest()


def _domain(address: str) -> str:
    bare = address.strip()
    if "<" in bare and bare.endswith(">"):
        bare = bare[bare.rindex("<") + 1 : -1]
    return bare.rsplit("@", 1)[-1].strip().lower()[:253] if "@" in bare else ""


def _bare(address: str) -> str:
    bare = address.strip()
    if "<" in bare and bare.endswith(">"):
        return bare[bare.rindex("<") + 1 : -1].strip()
    return bare


def _tags(mail: Mapping[str, Any]) -> dict[str, str]:
    raw = mail.get("tags") or {}
    if not isinstance(raw, dict):
        raise Unparseable("mail.tags is not an object")
    tags: dict[str, str] = {}
    for name, values in raw.items():
        if name in SKIPPED_TAGS:
            continue
        if isinstance(values, list):
            value = values[0] if values else ""
        else:
            value = values
        if not isinstance(value, str):
            continue
        tags[str(name)[:256]] = value[:256]
    return tags


def _first(tags: Mapping[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if tags.get(name):
            return tags[name]
    return None


def _addresses(items: Any, field: str, what: str) -> list[str]:
    """emailAddress of each item in a bouncedRecipients-like list (or plain strings)."""
    if not isinstance(items, list) or not items:
        raise Unparseable(f"{what}: no {field}")
    out: list[str] = []
    for item in items[:MAX_RECIPIENTS]:
        address = item.get("emailAddress") if isinstance(item, dict) else item
        if not isinstance(address, str) or not address:
            raise Unparseable(f"{what}: a recipient without an address")
        out.append(address)
    return out


def facts(record: Mapping[str, Any], hasher: Hasher) -> list[Fact]:
    """The facts one SES record states. Raises Unparseable when a member SES always sends is
    missing or malformed."""
    kind = str(record.get("eventType", record.get("notificationType")))
    event_type = EVENT_TYPES[kind]
    mail = record.get("mail")
    if not isinstance(mail, dict):
        raise Unparseable(f"{kind}: no mail object")
    message_id = mail.get("messageId")
    if not isinstance(message_id, str) or not message_id:
        raise Unparseable(f"{kind}: no mail.messageId")
    message_id = message_id[:200]
    sent_time = parse_time(mail.get("timestamp"), f"{kind} mail.timestamp")
    member = DETAIL_MEMBER[kind]
    detail = record.get(member)
    if detail is None and kind in ("Send",):
        detail = {}
    if not isinstance(detail, dict):
        raise Unparseable(f"{kind}: no {member} object")
    tags = _tags(mail)
    destination = mail.get("destination") or []
    if not isinstance(destination, list) or not all(isinstance(d, str) for d in destination):
        raise Unparseable(f"{kind}: mail.destination is not a list of addresses")
    if len(destination) > MAX_RECIPIENTS:
        raise Unparseable(f"{kind}: mail.destination names {len(destination)} recipients (SES allows 50)")
    source = mail.get("source")
    base: dict[str, Any] = {
        "message_id": message_id,
        "event_type": event_type,
        "sent_time": sent_time,
        "configuration_set": tags.get("ses:configuration-set"),
        "template": _first(tags, TEMPLATE_TAGS),
        "variant": _first(tags, VARIANT_TAGS),
        "from_domain": tags.get("ses:from-domain") or (_domain(source) if isinstance(source, str) else None),
        "tags": tuple(sorted(tags.items())),
    }

    def one(recipient: str | None, event_time: int, identity: str, **extra: Any) -> Fact:
        hashed = hasher(_bare(recipient)) if recipient else None
        return Fact(
            key=_key(message_id, event_type, hashed or "", identity),
            event_time=event_time,
            recipient_hash=hashed,
            recipient_domain=_domain(recipient) if recipient else None,
            **base,
            **extra,
        )

    def everyone(event_time: int, identity: str, **extra: Any) -> list[Fact]:
        # Send, Reject and Rendering Failure are about the message: one fact per recipient, so
        # per-recipient rates (bounces per send) divide like with like.
        return [one(r, event_time, identity, **extra) for r in destination] or [
            one(None, event_time, identity, **extra)
        ]

    if kind == "Send":
        return everyone(sent_time, "")
    if kind == "Reject":
        return everyone(sent_time, "", reason=_text(detail.get("reason")))
    if kind == "Rendering Failure":
        template = _text(detail.get("templateName"))
        if template:
            base["template"] = template
        error = detail.get("errorMessage")
        return everyone(sent_time, "", reason=mask_text(str(error))[:MAX_TEXT] if error is not None else None)
    when = parse_time(detail.get("timestamp"), f"{kind} {member}.timestamp")
    if kind == "Delivery":
        recipients = _addresses(detail.get("recipients"), "recipients", kind)
        return [one(r, when, "") for r in recipients]
    if kind == "Bounce":
        items = detail["bouncedRecipients"] if "bouncedRecipients" in detail else None
        _addresses(items, "bouncedRecipients", kind)
        assert isinstance(items, list)
        return [
            one(
                item["emailAddress"] if isinstance(item, dict) else item,
                when,
                "",
                bounce_type=_text(detail.get("bounceType")),
                bounce_subtype=_text(detail.get("bounceSubType")),
                status=_text(item.get("status"), 32) if isinstance(item, dict) else None,
                diagnostic=_diagnostic(item),
            )
            for item in items[:MAX_RECIPIENTS]
        ]
    if kind == "Complaint":
        recipients = _addresses(detail.get("complainedRecipients"), "complainedRecipients", kind)
        feedback = _text(detail.get("complaintFeedbackType")) or _text(detail.get("complaintSubType"))
        return [one(r, when, "", feedback_type=feedback) for r in recipients]
    if kind == "DeliveryDelay":
        items = detail["delayedRecipients"] if "delayedRecipients" in detail else None
        _addresses(items, "delayedRecipients", kind)
        assert isinstance(items, list)
        return [
            one(
                item["emailAddress"] if isinstance(item, dict) else item,
                when,
                str(when),
                reason=_text(detail.get("delayType")),
                status=_text(item.get("status"), 32) if isinstance(item, dict) else None,
                diagnostic=_diagnostic(item),
            )
            for item in items[:MAX_RECIPIENTS]
        ]
    recipient = destination[0] if len(destination) == 1 else None
    if kind == "Open":
        # Opens repeat; the time and the user agent tell one from another (the IP address is
        # personal data and is not kept).
        return [one(recipient, when, f"{when}|{_text(detail.get('userAgent'))}")]
    if kind == "Click":
        link = detail.get("link")
        if not isinstance(link, str) or not link:
            raise Unparseable("Click: no click.link")
        link_tags = detail.get("linkTags")
        return [
            one(
                recipient,
                when,
                f"{when}|{link}",
                link=link[:2000],
                detail=json.dumps({"linkTags": link_tags}, sort_keys=True)[:MAX_TEXT] if link_tags else None,
            )
        ]
    # Subscription
    contact_list = _text(detail.get("contactList"))
    preferences = detail.get("newTopicPreferences")
    return [
        one(
            recipient,
            when,
            f"{when}|{contact_list}",
            contact_list=contact_list,
            reason=_text(detail.get("source")),
            detail=json.dumps({"newTopicPreferences": preferences}, sort_keys=True)[:MAX_TEXT]
            if preferences is not None
            else None,
        )
    ]


def _diagnostic(item: Any) -> str | None:
    if not isinstance(item, dict) or item.get("diagnosticCode") is None:
        return None
    return mask_text(str(item["diagnosticCode"]))[:MAX_TEXT]


def sent_fact(
    hasher: Hasher,
    *,
    message_id: str,
    recipient: str,
    sent_at_ms: int,
    tags: dict[str, str] | None = None,
    configuration_set: str | None = None,
    template: str | None = None,
    variant: str | None = None,
    from_address: str | None = None,
) -> Fact:
    """The Send fact for a message a sender (``sesctl send``) knows it sent, before SES's own
    Send event arrives. Its key is the key of that event, so the two count once; the sender's
    template and variant, which SES's records do not carry, are kept."""
    all_tags = {k: v for k, v in (tags or {}).items() if k not in SKIPPED_TAGS}
    if configuration_set:
        all_tags.setdefault("ses:configuration-set", configuration_set)
    if variant:
        all_tags.setdefault(VARIANT_TAGS[0], variant)
    hashed = hasher(_bare(recipient))
    return Fact(
        key=_key(message_id, "send", hashed, ""),
        message_id=message_id[:200],
        event_type="send",
        event_time=sent_at_ms,
        sent_time=sent_at_ms,
        recipient_hash=hashed,
        recipient_domain=_domain(recipient),
        configuration_set=configuration_set,
        template=template,
        variant=variant,
        from_domain=_domain(from_address) if from_address else None,
        tags=tuple(sorted(all_tags.items())),
    )
