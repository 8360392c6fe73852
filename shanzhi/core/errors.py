"""Refusals raised by services. Each carries a message for the person who asked (translated),
the field it concerns if any, and the HTTP status the API answers with."""


class ServiceError(Exception):
    status = 400

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.message = str(message)
        self.field = field


class InvalidInput(ServiceError):
    status = 400


class NotFound(ServiceError):
    """Missing or not visible: the same answer for both."""

    status = 404


class Forbidden(ServiceError):
    """Visible, but this person's role may not do that."""

    status = 403


class Conflict(ServiceError):
    """The object is not in a state that allows the action (or someone acted first)."""

    status = 409


class Unprocessable(ServiceError):
    """Well formed, but it cannot be done as asked (e.g. an Idempotency-Key reused for a
    different request)."""

    status = 422


class PayloadTooLarge(ServiceError):
    status = 413
