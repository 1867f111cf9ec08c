"""The one exception tree of the package.

    NewsletterError                 anything we raise on purpose; the CLI prints it and exits 1
    ├── ConfigError(file, key)      feeds.yaml or the environment is wrong
    ├── StorageError                the database cannot be opened or migrated
    ├── NotFound                    a named object does not exist (web: 404)
    ├── SourceError(source)         one source failed; collect records it and goes on
    │   ├── FetchError              network, HTTP status, size cap, deadline
    │   └── ParseError              the bytes are not what the source's kind expects
    ├── CurateError                 a hand-added item cannot be read or is invalid
    ├── RenderError(issue)          a template or MJML failed
    └── DeliveryError(recipient)
        ├── TemporaryDeliveryError  4xx / dropped connection: retry later
        └── PermanentDeliveryError  5xx for this recipient: do not retry

Third-party exceptions are wrapped once, where they happen, with ``raise ... from e``.
Each message names the object and says what to check.
"""

from __future__ import annotations


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


class FetchError(SourceError):
    def __init__(self, source: str, problem: str, status: int | None = None) -> None:
        self.http_status = status
        super().__init__(source, problem)


class ParseError(SourceError):
    pass


class CurateError(NewsletterError):
    pass


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
