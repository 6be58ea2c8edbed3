"""The console chat: a terminal conversation through the same Dispatcher, handlers and database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TextIO

from bot.offline import OfflineUser, SentMessage
from handlers import texts
from knowledge.telegram_html import to_plain_text

CONSOLE_USER_ID = 1


class ConsolePrinter:
    """Prints what the bot sends; numbers its buttons so the user can press one by typing it."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.buttons: list[str] = []

    def __call__(self, message: SentMessage) -> None:
        print(f"\n🤖 {to_plain_text(message.text)}", file=self.out)
        buttons = [data for _, data in message.buttons if data is not None]
        if buttons:
            self.buttons = buttons
            for number, (label, _) in enumerate(message.buttons, start=1):
                print(f"   [{number}] {label}", file=self.out)
        self.out.flush()


async def chat(
    user: OfflineUser, printer: ConsolePrinter, read_line: Callable[[], str], out: TextIO
) -> None:
    print(texts.CONSOLE_BANNER, file=out)
    print(texts.CONSOLE_HOW_TO_CONNECT, file=out)
    await user.send("/start")
    while True:
        print("\n> ", end="", file=out, flush=True)
        line = await asyncio.to_thread(read_line)
        if not line:  # end of input
            break
        line = line.strip()
        if line in {"/exit", "/quit"}:
            break
        if not line:
            continue
        if line.isdigit() and 1 <= int(line) <= len(printer.buttons):
            await user.press(printer.buttons[int(line) - 1])
            continue
        await user.send(line)
