"""Domain errors raised by services. The edges (API, pages, websockets) turn them into clear messages."""


class DomainError(Exception):
    """A rule of the domain was not met. `fields` maps a field name to its messages, when one field is at fault."""

    status = 400
    code = "invalid"
    default_message = "That could not be done."

    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None):
        self.message = message or self.default_message
        self.fields = fields or {}
        super().__init__(self.message)

    @classmethod
    def for_field(cls, field: str, message: str) -> "DomainError":
        return cls(message, fields={field: [message]})


class NotFound(DomainError):
    """Missing, or not yours to see: the two look the same on purpose."""

    status = 404
    code = "not_found"
    default_message = "Not found."


class Forbidden(DomainError):
    status = 403
    code = "permission_denied"
    default_message = "You do not have permission to do that."


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = "That clashes with the current state; reload and try again."
