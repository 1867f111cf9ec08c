"""The ``newsletter`` command: a thin click group over the stage functions.

Each area has its own module here that defines commands and registers them on ``main``.
A command parses its arguments, calls one stage function and prints (a human table on a
terminal, ``--json`` for scripts). ``NewsletterError`` becomes a message and exit status 1.

Adding a command module (issue 11: start-up stays fast, `newsletter --help` under 0.25 s):

- register it with one line in the tuple below;
- at the top of the module import only click, the standard library, ``newsletter.cli.app``
  and ``newsletter.errors``. A stage module (anything that imports SQLAlchemy, pydantic,
  Jinja, httpx, rich, ...) is imported inside the command function, or bound with
  ``name = lazy_module("newsletter.stage")`` (the real import under ``TYPE_CHECKING``
  for mypy), so listing the commands does not load what only running one needs;
- use ``app.read_db`` in commands that only read (a missing database is an error, never a
  new empty one) and ``app.db`` in commands that write; ``app.settings`` when feeds.yaml
  is not needed; ``@json_option`` where the command lists things.

tests/cli/test_startup.py fails, naming the module, when a command module breaks this.
"""

from __future__ import annotations

from importlib import import_module

from newsletter.cli.app import main

# Areas register their commands on import; the order is the order of the pipeline.
for _module in ("db", "collect", "curate", "compose", "media", "social", "subscribers", "send", "users", "demo", "ops"):
    import_module(f"newsletter.cli.{_module}")

__all__ = ["main", "run"]


def run() -> None:
    main(prog_name="newsletter")


if __name__ == "__main__":  # pragma: no cover
    run()
