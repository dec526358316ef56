"""The outcome policy: what SES's answer to a SendBulkEmail means for each row.

Per entry (BulkEmailEntryResult.Status):
* SUCCESS: sent.
* STATUS_TRANSIENT: retried with jittered backoff, up to SendJob.max_attempts, then failed.
  FAILED is SES's unspecified failure; it is retried a bounded number of times and then
  reported as permanent.
* STATUS_STOP: the whole campaign cannot go on (quota spent, sending paused, a setting wrong):
  the run stops, those rows stay unsent, and the same --checkpoint resumes later. Pausing is a
  human or reputation decision that lasts hours, so it is not retried with backoff.
* anything else (MESSAGE_REJECTED, INVALID_PARAMETER): failed for that recipient.

Per call (the request itself failed):
* throttled: SES refused the whole call before sending anything; all rows are retried.
* in doubt (a 5xx, a lost connection): SES may have accepted some of the batch; a resolver
  decides, or --in-doubt does, or the run stops.
* anything else: the run stops (resumable), nothing was sent.
"""

from __future__ import annotations

from enum import Enum

from reconciler.aws.gateway import THROTTLING_CODES
from reconciler.errors import AwsError, RetryableAwsError

STATUS_TRANSIENT = frozenset({"ACCOUNT_THROTTLED", "TRANSIENT_FAILURE", "FAILED"})
STATUS_STOP = frozenset(
    {
        "ACCOUNT_DAILY_QUOTA_EXCEEDED",
        "ACCOUNT_SENDING_PAUSED",
        "CONFIGURATION_SET_SENDING_PAUSED",
        "ACCOUNT_SUSPENDED",
        "CONFIGURATION_SET_NOT_FOUND",
        "TEMPLATE_NOT_FOUND",
        "MAIL_FROM_DOMAIN_NOT_VERIFIED",
        "INVALID_SENDING_POOL_NAME",
    }
)


class EntryOutcome(Enum):
    SENT = "sent"
    RETRY = "retry"
    STOP = "stop"
    FAILED = "failed"


class CallOutcome(Enum):
    THROTTLED = "throttled"
    IN_DOUBT = "in_doubt"
    FATAL = "fatal"


def entry_outcome(status: str, attempts: int, max_attempts: int) -> EntryOutcome:
    """``attempts``: the attempts made before this answer."""
    if status == "SUCCESS":
        return EntryOutcome.SENT
    if status in STATUS_TRANSIENT and attempts + 1 < max_attempts:
        return EntryOutcome.RETRY
    if status in STATUS_STOP:
        return EntryOutcome.STOP
    return EntryOutcome.FAILED


def call_outcome(error: AwsError) -> CallOutcome:
    if error.code in THROTTLING_CODES:
        return CallOutcome.THROTTLED
    if isinstance(error, RetryableAwsError):
        return CallOutcome.IN_DOUBT
    return CallOutcome.FATAL


def out_of_attempts(attempts: int, max_attempts: int) -> bool:
    """Whether a call whose rows have made ``attempts`` attempts may not be retried again."""
    return attempts + 1 >= max_attempts
