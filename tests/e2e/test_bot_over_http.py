"""End to end over HTTP: `python -m bot` runs as a separate process against a Bot API stand-in on
127.0.0.1, and a user goes through /start, a question, a document check with a PDF and a
certificate verification — first in polling mode, then in webhook mode with the secret token.
Every process started here is stopped here."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from handlers import texts
from tests.flows.test_documents_flow import FULL_CPO_PACKAGE
from tests.pdfs import text_pdf
from tests.telegram_standin import BOT_TOKEN, BotApiStandIn, bot_environment, free_port

ROOT = Path(__file__).resolve().parents[2]
USER = 424_242
WEBHOOK_SECRET = "e2e-webhook-secret-0123456789"
PACKAGE = FULL_CPO_PACKAGE[:6]


def bot_env(tmp_path: Path, standin: BotApiStandIn, **extra: str) -> dict[str, str]:
    return bot_environment(standin, tmp_path / "data", **extra)


def demo_register(env: dict[str, str]) -> tuple[str, str]:
    """Load the synthetic register; returns a registration number and its holder's name."""
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo-data", "--documents", "40", "--centres", "5"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = re.search(r"number (\S+) and name (.+)$", result.stdout.strip())
    assert found, result.stdout
    return found.group(1), found.group(2)


@pytest.fixture
async def standin() -> AsyncIterator[BotApiStandIn]:
    async with BotApiStandIn() as server:
        yield server


class BotProcess:
    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )

    async def stop(self) -> int:
        """SIGTERM, as systemd would; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.to_thread(self.process.wait, 30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self._out.close()
        return code

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


Send = Callable[[dict[str, Any]], Awaitable[Any]]


async def a_user_session(standin: BotApiStandIn, send: Send, number: str, name: str) -> None:
    """One user's way through the bot, as Telegram would deliver it."""
    mark = standin.mark()
    await send(standin.user_message(USER, "/start"))
    greeting, notice = await standin.wait_for_count(2, after=mark, chat_id=USER)
    assert greeting.text == texts.START and notice.text == texts.PRIVACY

    mark = standin.mark()
    await send(standin.user_message(USER, "Какви документи трябват за лиценз на ЦПО?"))
    answer = await standin.wait_for(lambda m: m.chat_id == USER, after=mark)
    assert "Правно основание" in answer.text and answer.buttons[0][0] == texts.BUTTON_UP

    mark = standin.mark()
    await send(standin.user_message(USER, "/documents"))
    menu = await standin.wait_for(lambda m: m.chat_id == USER, after=mark)
    assert menu.text == texts.DOCS_CHOOSE
    mark = standin.mark()
    await send(standin.press(USER, menu, "Нова лицензия на ЦПО"))
    collect = await standin.wait_for(lambda m: m.chat_id == USER, after=mark)
    assert "Изпратете документите" in collect.text
    mark = standin.mark()
    await send(standin.user_document(USER, "пакет.pdf", text_pdf(PACKAGE)))
    read = await standin.wait_for(lambda m: m.chat_id == USER, after=mark, timeout=60)
    assert read.text == texts.DOCS_FILE_READ.format(name="пакет.pdf")
    mark = standin.mark()
    await send(standin.press(USER, read, texts.BUTTON_DONE))
    report, survey = await standin.wait_for_count(2, after=mark, chat_id=USER)
    assert survey.text == texts.SURVEY_ASK
    assert "Изпълнени изисквания: 6 от 6" in report.text
    assert "„пакет.pdf“, стр. 2" in report.text

    mark = standin.mark()
    await send(standin.user_message(USER, "/verify"))
    await standin.wait_for(lambda m: m.chat_id == USER, after=mark)
    mark = standin.mark()
    await send(standin.user_message(USER, number))
    how = await standin.wait_for(lambda m: m.chat_id == USER, after=mark)
    assert how.text == texts.VERIFY_ASK_HOW, (number, how.text)
    mark = standin.mark()
    await send(standin.press(USER, how, texts.BUTTON_BY_NAME))
    await standin.wait_for(lambda m: m.chat_id == USER, after=mark)
    mark = standin.mark()
    await send(standin.user_message(USER, name))
    verdict = await standin.wait_for(lambda m: m.chat_id == USER, after=mark)
    assert verdict.text.startswith("✅ <b>Документът е в регистъра на НАПОО</b>")
    assert standin.internal_errors == []


async def test_polling_mode_over_http(tmp_path, standin):
    env = bot_env(tmp_path, standin)
    number, name = demo_register(env)
    bot = BotProcess(["run"], env, tmp_path / "polling.log")
    try:
        await standin.wait_for_call("getUpdates", timeout=60)

        async def send(update: dict[str, Any]) -> None:
            standin.queue(update)

        await a_user_session(standin, send, number, name)
    finally:
        code = await bot.stop()
    output = bot.output()
    assert code == 0, output
    assert BOT_TOKEN not in output and BOT_TOKEN.split(":")[1] not in output
    assert '"update_id"' in output  # structured lines carry the update id
    assert name not in output  # the holder's name is never logged


async def test_webhook_mode_over_http_with_the_secret_token(tmp_path, standin):
    env = bot_env(tmp_path, standin)
    number, name = demo_register(env)
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    env.update(WEBHOOK_URL=url, WEBHOOK_SECRET=WEBHOOK_SECRET, WEBHOOK_PORT=str(port))
    bot = BotProcess(["webhook"], env, tmp_path / "webhook.log")
    try:
        await standin.wait_for_call("setWebhook", timeout=60)
        assert (standin.webhook_url, standin.webhook_secret) == (url, WEBHOOK_SECRET)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
                assert (await response.json())["database"] == "ok"

            # without the right secret nothing is handled
            mark = standin.mark()
            forged = standin.user_message(USER, "/start")
            assert await standin.post_to_webhook(url, forged, "wrong-secret") == 401
            assert await standin.post_to_webhook(url, forged, None) == 401
            async with http.post(
                url, data=b"not json", headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
            ) as response:
                assert response.status == 400
            await asyncio.sleep(0.5)
            assert standin.sent[mark:] == []

            async def send(update: dict[str, Any]) -> None:
                assert await standin.deliver(update) == 200

            await a_user_session(standin, send, number, name)

            # Telegram delivering the same update again: answered once
            mark = standin.mark()
            again = standin.user_message(USER, "/help")
            assert await standin.deliver(again) == 200
            assert await standin.deliver(again) == 200
            await asyncio.sleep(0.5)
            assert [m.text for m in standin.sent[mark:]] == [texts.HELP]

            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                metrics = await response.text()
            assert 'napoo_consultations_total{kind="faq"} 1.0' in metrics
            assert 'napoo_consultations_total{kind="checklist"} 1.0' in metrics
            assert "napoo_duplicate_updates_total 1.0" in metrics
            assert "napoo_update_seconds_count" in metrics

            # SIGTERM while a large PDF is being read: the update is finished, then the exit
            mark = standin.mark()
            await send(standin.user_message(USER, "/documents"))
            menu = await standin.wait_for(lambda m: m.chat_id == USER, after=mark)
            await send(standin.press(USER, menu, "Нова лицензия на ЦПО"))
            big = text_pdf(["Учебна програма по професия, тема и часове. " * 40] * 200)
            calls = len(standin.calls_of("getFile"))
            mark = standin.mark()
            delivery = asyncio.create_task(
                standin.deliver(standin.user_document(USER, "голям.pdf", big))
            )
            while len(standin.calls_of("getFile")) == calls:
                await asyncio.sleep(0.01)
            bot.process.send_signal(signal.SIGTERM)
            assert await delivery == 200
            read = await standin.wait_for(lambda m: m.chat_id == USER, after=mark, timeout=60)
            assert read.text == texts.DOCS_FILE_READ.format(name="голям.pdf")
    finally:
        code = await bot.stop()
    output = bot.output()
    assert code == 0, output
    assert "finishing the updates in flight" in output
    assert BOT_TOKEN.split(":")[1] not in output and WEBHOOK_SECRET not in output
