from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijklmn"
SECRET = "a-long-enough-pseudonym-secret"
REGISTER = "a-long-enough-register-secret"


def settings(tmp_path: Path, **env: str):
    return load_settings({"DATA_DIR": str(tmp_path / "data"), **env}, env_file=None)


def test_defaults_give_console_mode_with_sqlite_under_data(tmp_path):
    s = settings(tmp_path)
    assert s.console_mode and s.bot_token is None
    assert s.database_url == f"sqlite+aiosqlite:///{(tmp_path / 'data' / 'napoo.db').as_posix()}"
    assert s.staff_ids == frozenset() and s.log_level == "INFO"
    # a pseudonym secret is generated once and kept
    assert s.pseudonym_secret.get() == settings(tmp_path).pseudonym_secret.get()


def test_full_configuration(tmp_path):
    s = settings(
        tmp_path,
        BOT_TOKEN=TOKEN,
        PSEUDONYM_SECRET=SECRET,
        REGISTER_SECRET=REGISTER,
        REDIS_URL="redis://127.0.0.1:6379/0",
        STAFF_IDS="11, 22;33",
        LOG_LEVEL="debug",
        TELEGRAM_API_BASE="http://127.0.0.1:8081/",
        DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1/test",
    )
    assert not s.console_mode
    assert s.staff_ids == {11, 22, 33} and s.log_level == "DEBUG"
    assert s.telegram_api_base == "http://127.0.0.1:8081"


def test_dotenv_file_is_read_and_environment_wins(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("STAFF_IDS=1,2\nLOG_LEVEL=WARNING\n", encoding="utf-8")
    s = load_settings({"DATA_DIR": str(tmp_path), "LOG_LEVEL": "ERROR"}, env_file=env_file)
    assert s.staff_ids == {1, 2} and s.log_level == "ERROR"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"BOT_TOKEN": "not-a-token"}, "BOT_TOKEN"),
        ({"BOT_TOKEN": TOKEN}, "PSEUDONYM_SECRET"),
        ({"BOT_TOKEN": TOKEN, "PSEUDONYM_SECRET": SECRET}, "REGISTER_SECRET"),
        ({"REGISTER_SECRET": "short"}, "REGISTER_SECRET"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"PSEUDONYM_SECRET": "short"}, "PSEUDONYM_SECRET"),
        ({"STAFF_IDS": "12,abc"}, "STAFF_IDS"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"DATABASE_URL": "::::"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:///x.db"}, "DATABASE_URL"),
        ({"TELEGRAM_API_BASE": "ftp://x"}, "TELEGRAM_API_BASE"),
        ({"ADMIN_IDS": "root"}, "ADMIN_IDS"),
        ({"STAFF_CHAT_ID": "staff-group"}, "STAFF_CHAT_ID"),
        ({"RETENTION_DAYS": "7"}, "RETENTION_DAYS"),
        ({"RETENTION_DAYS": "a year"}, "RETENTION_DAYS"),
        ({"WEBHOOK_URL": "bot.example.bg/hook"}, "WEBHOOK_URL"),
        ({"WEBHOOK_SECRET": "short"}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_SECRET": "has spaces in it and is long"}, "WEBHOOK_SECRET"),
        ({"WEBHOOK_PORT": "99999"}, "WEBHOOK_PORT"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"SEND_RATE": "fast"}, "SEND_RATE"),
        ({"SEND_RATE": "0"}, "SEND_RATE"),
    ],
)
def test_bad_settings_fail_fast_naming_the_variable(tmp_path, env, variable):
    with pytest.raises(SettingsError, match=variable):
        settings(tmp_path, **env)


def test_token_never_shows(tmp_path):
    s = settings(tmp_path, BOT_TOKEN=TOKEN, PSEUDONYM_SECRET=SECRET, REGISTER_SECRET=REGISTER)
    assert TOKEN not in repr(s) and TOKEN not in str(s)
    assert SECRET not in repr(s) and REGISTER not in repr(s)
    assert s.bot_token.get() == TOKEN
    with pytest.raises(SettingsError) as error:
        settings(tmp_path, BOT_TOKEN=TOKEN + " x")
    assert TOKEN not in str(error.value)


def test_staff_and_webhook_settings(tmp_path):
    loaded = settings(
        tmp_path,
        ADMIN_IDS="11, 12",
        STAFF_CHAT_ID="-1001234567890",
        RETENTION_DAYS="400",
        WEBHOOK_URL="https://bot.example.bg/telegram/webhook",
        WEBHOOK_SECRET="webhook-secret-0123456789",
        WEBHOOK_PORT="8081",
        LOG_FORMAT="JSON",
        SEND_RATE="20",
    )
    assert loaded.admin_ids == {11, 12} and loaded.staff_chat_id == -1001234567890
    assert loaded.retention_days == 400 and loaded.send_rate == 20.0
    assert (loaded.webhook_port, loaded.webhook_host, loaded.log_format) == (
        8081,
        "127.0.0.1",
        "json",
    )
    assert "webhook-secret" not in repr(loaded)  # the secret never prints
