"""Settings: read once, from the environment and `.env`, into a frozen object.

Every problem names the variable; the token's value never appears in a message or a repr.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DEFAULT_DATA_DIR = Path("data")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


class Secret:
    """A string that does not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and secrets.compare_digest(self._value, other._value)

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True)
class Settings:
    bot_token: Secret | None
    database_url: str
    telegram_api_base: str | None
    staff_ids: frozenset[int]
    log_level: str
    pseudonym_secret: Secret
    data_dir: Path = field(default=DEFAULT_DATA_DIR)
    register_secret: Secret = field(default_factory=lambda: Secret(""))
    redis_url: str | None = None
    admin_ids: frozenset[int] = frozenset()
    staff_chat_id: int | None = None
    retention_days: int = 365
    webhook_url: str | None = None
    webhook_secret: Secret | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    log_format: str = "text"
    send_rate: float = 25.0

    @property
    def console_mode(self) -> bool:
        return self.bot_token is None


def _ids(name: str, raw: str) -> frozenset[int]:
    values = [v for v in re.split(r"[,\s;]+", raw.strip()) if v]
    try:
        return frozenset(int(v) for v in values)
    except ValueError:
        raise SettingsError(
            f"{name} must be Telegram user ids (numbers) separated by commas, e.g. 12345,67890"
        ) from None


def _secret_file(data_dir: Path, name: str = "PSEUDONYM_SECRET") -> Secret:
    """Console mode without a configured secret: one random secret kept beside the database."""
    path = data_dir / f".{name.lower()}"
    if path.exists():
        return Secret(path.read_text(encoding="utf-8").strip())
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    path.write_text(value, encoding="utf-8")
    path.chmod(0o600)
    logging.getLogger(__name__).warning(
        "%s is not set: generated one in %s (set it in .env for production)", name, path
    )
    return Secret(value)


def _required_secret(
    name: str, raw: str | None, with_token: bool, what: str, data_dir: Path
) -> Secret:
    """A secret setting: at least 16 characters; required with BOT_TOKEN, else generated once."""
    if raw is not None and len(raw) < 16:
        raise SettingsError(f"{name} must be at least 16 characters long")
    if raw is None and with_token:
        raise SettingsError(f"{name} is required when BOT_TOKEN is set: {what}")
    return Secret(raw) if raw else _secret_file(data_dir, name)


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Settings from `environ` (default: the process environment) over the `.env` file."""
    values: dict[str, str] = {}
    if env_file is not None and env_file.exists():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    token_raw = get("BOT_TOKEN")
    if token_raw is not None and not _TOKEN.match(token_raw):
        raise SettingsError(
            "BOT_TOKEN is malformed: expected the form 123456789:AA... from @BotFather "
            "(its value is not shown)"
        )
    data_dir = Path(get("DATA_DIR") or DEFAULT_DATA_DIR)
    database_url = (
        get("DATABASE_URL") or f"sqlite+aiosqlite:///{(data_dir / 'napoo.db').as_posix()}"
    )
    try:
        parsed = make_url(database_url)
    except ArgumentError:
        raise SettingsError(
            "DATABASE_URL is not a SQLAlchemy URL, e.g. sqlite+aiosqlite:///data/napoo.db or "
            "postgresql+asyncpg://user@host/db"
        ) from None
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise SettingsError("DATABASE_URL must point to SQLite or PostgreSQL")
    if parsed.get_backend_name() == "sqlite" and parsed.get_driver_name() != "aiosqlite":
        raise SettingsError(
            "DATABASE_URL for SQLite must use the async driver: sqlite+aiosqlite:///..."
        )
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "asyncpg":
        raise SettingsError(
            "DATABASE_URL for PostgreSQL must use the async driver: postgresql+asyncpg://..."
        )

    api_base = get("TELEGRAM_API_BASE")
    if api_base is not None and not re.match(r"^https?://[^\s/]+", api_base):
        raise SettingsError("TELEGRAM_API_BASE must be an http(s) URL, e.g. http://127.0.0.1:8081")

    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if log_level not in _LOG_LEVELS:
        raise SettingsError(f"LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}")

    secret = _required_secret(
        "PSEUDONYM_SECRET",
        get("PSEUDONYM_SECRET"),
        token_raw is not None,
        "a long random string that keys the pseudonyms of users "
        "(python -c 'import secrets; print(secrets.token_urlsafe(32))')",
        data_dir,
    )
    register_secret = _required_secret(
        "REGISTER_SECRET",
        get("REGISTER_SECRET"),
        token_raw is not None,
        "the key of the hashes of ЕГН/ЛНЧ and names in the register (the same key must be "
        "used for import and look-up)",
        data_dir,
    )
    redis_url = get("REDIS_URL")
    if redis_url is not None and not re.match(r"^rediss?://", redis_url):
        raise SettingsError("REDIS_URL must look like redis://host:6379/0")

    staff_chat_raw = get("STAFF_CHAT_ID")
    try:
        staff_chat_id = int(staff_chat_raw) if staff_chat_raw else None
    except ValueError:
        raise SettingsError(
            "STAFF_CHAT_ID must be the numeric id of the staff group, e.g. -1001234567890"
        ) from None
    retention_raw = get("RETENTION_DAYS") or "365"
    if not retention_raw.isdigit() or not 30 <= int(retention_raw) <= 3650:
        raise SettingsError("RETENTION_DAYS must be a number of days between 30 and 3650")

    webhook_url = get("WEBHOOK_URL")
    if webhook_url is not None and not re.match(r"^https?://[^\s/]+(/[^\s]*)?$", webhook_url):
        raise SettingsError(
            "WEBHOOK_URL must be the public URL Telegram posts to, e.g. "
            "https://bot.example.bg/telegram/webhook"
        )
    webhook_secret = get("WEBHOOK_SECRET")
    if webhook_secret is not None and not re.match(r"^[A-Za-z0-9_-]{16,256}$", webhook_secret):
        raise SettingsError(
            "WEBHOOK_SECRET must be 16 to 256 characters of A-Z, a-z, 0-9, _ and - "
            "(its value is not shown)"
        )
    webhook_port_raw = get("WEBHOOK_PORT") or "8080"
    if not webhook_port_raw.isdigit() or not 1 <= int(webhook_port_raw) <= 65535:
        raise SettingsError("WEBHOOK_PORT must be a TCP port number, e.g. 8081")
    log_format = (get("LOG_FORMAT") or "text").lower()
    if log_format not in ("text", "json"):
        raise SettingsError("LOG_FORMAT must be text or json")
    try:
        send_rate = float(get("SEND_RATE") or "25")
    except ValueError:
        send_rate = -1.0
    if not 0 < send_rate <= 1000:
        raise SettingsError("SEND_RATE must be messages per second, e.g. 25")

    return Settings(
        bot_token=Secret(token_raw) if token_raw else None,
        database_url=database_url,
        telegram_api_base=api_base.rstrip("/") if api_base else None,
        staff_ids=_ids("STAFF_IDS", get("STAFF_IDS") or ""),
        log_level=log_level,
        pseudonym_secret=secret,
        data_dir=data_dir,
        register_secret=register_secret,
        redis_url=redis_url,
        admin_ids=_ids("ADMIN_IDS", get("ADMIN_IDS") or ""),
        staff_chat_id=staff_chat_id,
        retention_days=int(retention_raw),
        webhook_url=webhook_url,
        webhook_secret=Secret(webhook_secret) if webhook_secret else None,
        webhook_host=get("WEBHOOK_HOST") or "127.0.0.1",
        webhook_port=int(webhook_port_raw),
        log_format=log_format,
        send_rate=send_rate,
    )
