"""SES v2's errors. A handler raises one of these; the router answers with SES's status and code."""

from __future__ import annotations


class SesApiError(Exception):
    code = "InternalFailure"
    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequestException(SesApiError):
    code = "BadRequestException"
    status = 400


class NotFoundException(SesApiError):
    code = "NotFoundException"
    status = 404


class AlreadyExistsException(SesApiError):
    code = "AlreadyExistsException"
    status = 400


class LimitExceededException(SesApiError):
    code = "LimitExceededException"
    status = 400


class TooManyRequestsException(SesApiError):
    code = "TooManyRequestsException"
    status = 429


class ConcurrentModificationException(SesApiError):
    code = "ConcurrentModificationException"
    status = 500


class ConflictException(SesApiError):
    code = "ConflictException"
    status = 409


class AccessDeniedException(SesApiError):
    """IAM's refusal, and a tenant's send naming a resource the tenant is not associated with."""

    code = "AccessDeniedException"
    status = 403


class MessageRejected(SesApiError):
    code = "MessageRejected"
    status = 400


class MailFromDomainNotVerifiedException(SesApiError):
    code = "MailFromDomainNotVerifiedException"
    status = 400


class AccountSuspendedException(SesApiError):
    code = "AccountSuspendedException"
    status = 400


class SendingPausedException(SesApiError):
    code = "SendingPausedException"
    status = 400


class InternalServiceError(SesApiError):
    code = "InternalServiceErrorException"
    status = 500


class InvalidNextTokenException(SesApiError):
    code = "InvalidNextTokenException"
    status = 400
