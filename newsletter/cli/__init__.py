"""The ``newsletter`` command: a thin click group over the stage functions.

Each area has its own module here that defines commands and registers them on ``main``.
A command parses its arguments, calls one stage function and prints (a human table on a
terminal, ``--json`` for scripts). ``NewsletterError`` becomes a message and exit status 1.
"""

from __future__ import annotations

from importlib import import_module

from newsletter.cli.app import main

# Areas register their commands on import; the order is the order of the pipeline.
for _module in ("db", "collect", "curate", "compose", "media", "subscribers", "send", "demo"):
    import_module(f"newsletter.cli.{_module}")

__all__ = ["main", "run"]


def run() -> None:
    main(prog_name="newsletter")


if __name__ == "__main__":  # pragma: no cover
    run()
