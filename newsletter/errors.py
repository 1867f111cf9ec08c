"""The one exception tree of the package.

    NewsletterError                 anything we raise on purpose; the CLI prints it and exits 1
    ├── ConfigError(file, key)      feeds.yaml or the environment is wrong
    ├── StorageError                the database cannot be opened or migrated
    ├── NotFound                    a named object does not exist (web: 404)
    ├── SourceError(source)         one source failed; collect records it and goes on
    │   ├── FetchError              network, HTTP status, size cap, deadline
    │   │   ├── RetryLater          429/503 with Retry-After: skip the source until then
    │   │   └── SourceGone          410: the feed was removed; skip until the URL changes
    │   └── ParseError              the bytes are not what the source's kind expects
    ├── CurateError                 a hand-added item cannot be read or is invalid
    ├── ComposeError                compose or review cannot do what was asked
    │   ├── EmptyWeek               no new items for the issue; nothing was composed
    │   └── IssueStateError         the issue's status does not allow it (approved, sent)
    │       └── ApprovalBlocked     not rendered since the last edit, or preflight errors
    ├── AccountError                a team account: unknown user, weak password, old link
    │   └── NotAllowed              the role or the four-eyes rule forbids it (web: 403)
    ├── RenderError(issue)          a template or MJML failed
    ├── SubscriberError             subscribers (issue 4): a bad address, import file or link
    │   ├── InvalidAddress(address) not a usable email address (says why)
    │   ├── InvalidDetail(field)    a name or organisation that cannot go in a mail header
    │   ├── Suppressed              the address was erased; it may not be added back
    │   └── BadToken / ExpiredToken a link that was tampered with (400) or is too old (410)
    └── DeliveryError(recipient)
        ├── TemporaryDeliveryError  4xx / dropped connection: retry later
        │   └── ConnectFailedError  the server cannot be reached at all
        ├── PermanentDeliveryError  5xx for this message: do not retry
        │   ├── RecipientRefusedError  5xx at RCPT: a hard bounce
        │   └── UnsendableError     this recipient's message cannot be built (name/address): failed
        ├── DeliveryUnknownError    the whole message went out, the final reply never came: unknown
        └── ServerRefusedError      5xx for us as a sender (login, greeting, MAIL FROM): stop the run

Third-party exceptions are wrapped once, where they happen, with ``raise ... from e``.
Each message names the object and says what to check.
"""

from __future__ import annotations

from datetime import datetime


class NewsletterError(Exception):
    """Base of every error we raise on purpose."""

    status = 400

    @property
    def message(self) -> str:
        return str(self)


class ConfigError(NewsletterError):
    def __init__(self, file: str, key: str, problem: str) -> None:
        self.file = file
        self.key = key
        self.problem = problem
        where = f"{file}: {key}" if key else file
        super().__init__(f"{where}: {problem}")


class StorageError(NewsletterError):
    status = 500


class NotFound(NewsletterError):
    status = 404


class SourceError(NewsletterError):
    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        self.problem = problem
        super().__init__(f"{source}: {problem}")

    def __reduce__(self) -> tuple[object, ...]:
        # picklable, so a parser running in a worker process can raise it
        return (type(self), (self.source, self.problem))


class FetchError(SourceError):
    def __init__(self, source: str, problem: str, status: int | None = None) -> None:
        self.http_status = status
        super().__init__(source, problem)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.source, self.problem, self.http_status))


class RetryLater(FetchError):
    def __init__(self, source: str, problem: str, status: int | None, retry_after: datetime) -> None:
        self.retry_after = retry_after
        super().__init__(source, problem, status)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.source, self.problem, self.http_status, self.retry_after))


class SourceGone(FetchError):
    pass


class NoConnection(FetchError):
    """The server could not be reached at all (its name did not resolve, no route, no answer to
    connect). When every source fails like this, the machine itself is probably offline."""


class ParseError(SourceError):
    pass


class CurateError(NewsletterError):
    pass


class ComposeError(NewsletterError):
    pass


class EmptyWeek(ComposeError):
    pass


class IssueStateError(ComposeError):
    status = 409


class RenderError(NewsletterError):
    def __init__(self, issue: str, problem: str) -> None:
        self.issue = issue
        super().__init__(f"{issue}: {problem}")


class DeliveryError(NewsletterError):
    def __init__(self, recipient: str, problem: str) -> None:
        self.recipient = recipient
        super().__init__(f"{recipient}: {problem}")


class TemporaryDeliveryError(DeliveryError):
    pass


class PermanentDeliveryError(DeliveryError):
    pass


class SubscriberError(NewsletterError):
    pass


class InvalidAddress(SubscriberError):
    def __init__(self, address: str, problem: str, code: str = "syntax") -> None:
        self.address = address
        self.problem = problem
        self.code = code  # empty, too_long, syntax, unicode_local: the web page translates it
        super().__init__(f"{address!r}: {problem}")


class InvalidDetail(SubscriberError):
    """A typed name or organisation we refuse to store (issue 8): it could not be a header."""

    def __init__(self, field: str, value: str, problem: str, code: str) -> None:
        self.field = field  # name, organisation
        self.value = value
        self.problem = problem
        self.code = code  # control, encoded, too_long: the web page translates it
        super().__init__(f"{field} {value!r}: {problem}")


class Suppressed(SubscriberError):
    pass


class BadToken(SubscriberError):
    status = 400


class ExpiredToken(BadToken):
    status = 410


class ConnectFailedError(TemporaryDeliveryError):
    pass


class RecipientRefusedError(PermanentDeliveryError):
    pass


class ContentRefusedError(PermanentDeliveryError):
    """5xx after DATA: the server took the envelope and refused the message itself."""

    def __init__(self, recipient: str, code: int, reply: str) -> None:
        self.code = code
        self.reply = reply
        super().__init__(recipient, f"message refused after DATA: {code} {reply}")


class UnsendableError(PermanentDeliveryError):
    """The message for this one recipient cannot be built: a name or an address that cannot be
    a header (issue 8, §3). Nothing was sent; the row fails and the run goes on."""


class DeliveryUnknownError(DeliveryError):
    """The server had the whole message (the final "." of DATA was sent) and then the
    connection dropped, or its reply did not come in time. It may have delivered: the row is
    'unknown', never retried automatically (issue 8, §5; RFC 5321 §4.5.3.2, §6.1)."""


class ServerRefusedError(DeliveryError):
    """The server refuses the whole connection: every message would fail the same way."""


class InvalidTime(NewsletterError):
    """A time a person typed (``--at``, ``--starts``) that is not a real time, or is in the past."""


class AccountError(NewsletterError):
    """A team account (issue 9): unknown user, weak password, used or expired link."""


class NotAllowed(AccountError):
    """The user's role, or the four-eyes rule, does not allow this (web: 403)."""

    status = 403


class ApprovalBlocked(IssueStateError):
    """approve (or queue) refused: never rendered, edited since the render, or preflight
    errors without an override reason (issue 8 §8)."""
