"""Deployment settings and secrets from the environment (or ``.env``): no feeds.yaml, no pydantic.

Kept apart from ``newsletter.config`` so commands that only need the database (``newsletter
issues``, ``newsletter outbox``) start without loading the feeds.yaml models.
DATABASE_URL, SMTP_URL, SECRET_KEY, BASE_URL, NEWSLETTER_VAR_DIR.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """Deployment settings and secrets, from the environment."""

    database_url: str
    smtp_url: str
    secret_key: str
    base_url: str
    var_dir: Path


def read_dotenv(path: Path) -> dict[str, str]:
    """A minimal .env reader: KEY=VALUE lines, # comments, optional quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$", line)
        if not match or line.lstrip().startswith("#"):
            continue
        value = match.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[match.group(1)] = value
    return values


def load_settings(env: dict[str, str] | None = None, var_dir: Path | None = None) -> Settings:
    if env is None:
        env = {**read_dotenv(Path(".env")), **os.environ}
    var = Path(env.get("NEWSLETTER_VAR_DIR", "")) if env.get("NEWSLETTER_VAR_DIR") else (var_dir or Path("var"))
    return Settings(
        database_url=env.get("DATABASE_URL") or f"sqlite:///{var / 'newsletter.db'}",
        smtp_url=env.get("SMTP_URL") or f"file://{(var / 'outbox').resolve()}",
        secret_key=env.get("SECRET_KEY") or _embedded_secret_key(var),
        base_url=(env.get("BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
        var_dir=var,
    )


def _embedded_secret_key(var: Path) -> str:
    """The embedded default: a random key made once and kept in var/secret_key (mode 0600)."""
    path = var / "secret_key"
    if not path.exists():
        var.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
        except FileExistsError:
            pass  # another process made it first; read theirs
    return path.read_text(encoding="utf-8").strip()
