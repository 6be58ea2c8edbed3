"""An in-process stand-in for the Telegram Bot API, served over real HTTP with aiohttp.

End-to-end tests and benchmarks start the bot as its own process with
``TELEGRAM_API_BASE=standin.base_url``; aiogram's ``AiohttpSession`` then calls
``POST {base}/bot{token}/{method}`` here and downloads files from
``GET {base}/file/bot{token}/{file_path}``.  The test plays the user: it builds Update dicts
(:meth:`BotApiStandIn.user_message`, :meth:`~BotApiStandIn.user_document`,
:meth:`~BotApiStandIn.press_button`), queues them for ``getUpdates`` long polling (or posts them
to the bot's webhook) and waits for what the bot sends back::

    async with BotApiStandIn() as standin:
        ...  # start `python -m bot` with TELEGRAM_API_BASE=standin.base_url, BOT_TOKEN=BOT_TOKEN
        mark = standin.mark()
        standin.queue(standin.user_message(100_001, "/start"))
        reply = await standin.wait_for(lambda m: m.chat_id == 100_001, after=mark)

What it checks like Telegram does (so bot bugs show up here rather than in production): the
token (401), unknown methods (404), HTML ``parse_mode`` markup (``can't parse entities``), text
and caption lengths, inline keyboards (callback data of 1-64 bytes), edits of deleted or
unchanged messages (``message is not modified``), files over 20 MB (``file is too big``), two
concurrent ``getUpdates`` (409) and ``getUpdates`` while a webhook is set (409).  Markdown parse
modes are not validated.  Everything runs on the test's event loop; the class is not thread-safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import mimetypes
import os
import re
import secrets
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from aiohttp import ClientSession, ClientTimeout, web
from aiohttp.web_request import FileField

log = logging.getLogger(__name__)

BOT_TOKEN = "123456789:AAE-standin-token-0123456789abcdefghij"
BOT_ID = 123456789
BOT_USERNAME = "napoo_standin_bot"
BOT_FIRST_NAME = "НАПОО stand-in"
TOKEN_PATTERN = re.compile(r"^\d+:[\w-]{30,}$")

BOT_USER: dict[str, Any] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": BOT_FIRST_NAME,
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_UPDATES_LIMIT = 100
DOWNLOAD_LIMIT = 20 * 1024 * 1024  # getFile refuses bigger files, as the cloud Bot API does
UPLOAD_LIMIT = 50 * 1024 * 1024

# Parameters that aiogram sends as JSON strings (nested objects and arrays).
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "link_preview_options",
        "reply_parameters",
        "media",
        "results",
        "menu_button",
        "permissions",
        "options",
        "explanation_entities",
        "suggested_post_parameters",
    }
)
INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "message_thread_id",
        "direct_messages_topic_id",
        "reply_to_message_id",
        "offset",
        "limit",
        "timeout",
        "user_id",
        "cache_time",
        "max_connections",
        "duration",
        "width",
        "height",
    }
)
BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "allow_paid_broadcast",
        "show_alert",
        "drop_pending_updates",
        "disable_web_page_preview",
        "disable_content_type_detection",
        "has_spoiler",
        "show_caption_above_media",
        "revoke",
    }
)
INLINE_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_HTML_ENTITY = re.compile(r"&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{1,10});")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME = re.compile(r"[A-Za-z0-9-]*")
_INTEGER = re.compile(r"^-?\d+$")
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)


# -- records ------------------------------------------------------------------------------------


class Call(NamedTuple):
    """One Bot API request as the stand-in understood it (unpacks as ``method, params``)."""

    method: str
    params: dict[str, Any]


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, as it appears in ``Call.params``."""

    file_name: str | None
    content: bytes
    content_type: str

    def __repr__(self) -> str:
        return f"UploadedFile({self.file_name!r}, {len(self.content)} bytes)"


@dataclass
class StoredFile:
    """A file the stand-in can hand out through getFile and the download URL."""

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes = field(repr=False)
    file_size: int
    file_name: str | None = None
    mime_type: str | None = None


@dataclass
class SentMessage:
    """A message the bot sent (sendMessage/sendDocument/sendPhoto) or edited (edits list)."""

    chat_id: int
    text: str  # text or caption exactly as sent, with its HTML markup; "" when absent
    reply_markup: dict[str, Any] | None
    message_id: int
    method: str
    file_name: str | None = None
    file_bytes: bytes | None = field(default=None, repr=False)
    plain_text: str = ""  # as the user sees it: markup removed, entities decoded
    parse_mode: str | None = None
    params: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def buttons(self) -> list[tuple[str, str | None]]:
        return inline_buttons(self.reply_markup)


def inline_buttons(markup: Any) -> list[tuple[str, str | None]]:
    """(label, callback_data) of every inline button, row by row; [] without an inline keyboard."""
    if isinstance(markup, SentMessage):
        markup = markup.reply_markup
    if not isinstance(markup, dict):
        return []
    rows = markup.get("inline_keyboard") or []
    return [(button["text"], button.get("callback_data")) for row in rows for button in row]


class ApiError(Exception):
    """Answered as Telegram answers errors: ``{"ok": false, "error_code", "description"}``."""

    def __init__(
        self, status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def response(self) -> web.Response:
        return error_response(self.status, self.description, self.parameters)


def error_response(
    status: int, description: str, parameters: dict[str, Any] | None = None
) -> web.Response:
    payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        payload["parameters"] = parameters
    return web.json_response(payload, status=status)


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def utf16_length(text: str) -> int:
    """Telegram counts lengths and offsets in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def html_to_plain(text: str) -> str:
    """The text of an HTML-formatted message, or ApiError as Telegram's HTML parser reports it.

    Follows TDLib's parse_html: only Telegram's tags, every tag closed in order, a bare "<"
    is an unsupported tag; "&" without a known entity stays literal.
    """
    out: list[str] = []
    open_tags: list[str] = []
    i, n = 0, len(text)

    def fail(detail: str) -> ApiError:
        return bad_request(f"can't parse entities: {detail}")

    def offset(position: int) -> int:
        return len(text[:position].encode("utf-8"))

    while i < n:
        char = text[i]
        if char == "&":
            match = _HTML_ENTITY.match(text, i)
            decoded = _decode_entity(match.group(1)) if match else None
            if match and decoded is not None:
                out.append(decoded)
                i = match.end()
            else:
                out.append("&")
                i += 1
            continue
        if char != "<":
            out.append(char)
            i += 1
            continue
        begin = i
        i += 1
        if i < n and text[i] == "/":
            if not open_tags:
                raise fail(f"Unexpected end tag at byte offset {offset(begin)}")
            match = _TAG_NAME.match(text, i + 1)
            assert match is not None
            name = match.group().lower()
            i = match.end()
            while i < n and text[i] in " \t\r\n":
                i += 1
            if i >= n or text[i] != ">":
                raise fail(f"Unclosed end tag at byte offset {offset(begin)}")
            if name != open_tags[-1]:
                raise fail(
                    f'Unmatched end tag at byte offset {offset(begin)}, expected "</'
                    f'{open_tags[-1]}>", found "</{name}>"'
                )
            open_tags.pop()
            i += 1
            continue
        match = _TAG_NAME.match(text, i)
        assert match is not None
        name = match.group().lower()
        i = match.end()
        if name not in HTML_TAGS:
            raise fail(f'Unsupported start tag "{name}" at byte offset {offset(begin)}')
        attributes_start = i
        quote: str | None = None
        while i < n and (quote is not None or text[i] != ">"):
            if quote is None and text[i] in "\"'":
                quote = text[i]
            elif quote is not None and text[i] == quote:
                quote = None
            i += 1
        if i >= n:
            raise fail(f"Unclosed start tag at byte offset {offset(begin)}")
        attributes = text[attributes_start:i]
        if name == "span" and "tg-spoiler" not in attributes:
            raise fail(f'Tag "span" must have class "tg-spoiler" at byte offset {offset(begin)}')
        open_tags.append(name)
        i += 1
    if open_tags:
        raise fail(f'Can\'t find end tag corresponding to start tag "{open_tags[-1]}"')
    return "".join(out)


def _decode_entity(body: str) -> str | None:
    if body.startswith(("#x", "#X")):
        code = int(body[2:], 16)
    elif body.startswith("#"):
        code = int(body[1:])
    else:
        return _NAMED_ENTITIES.get(body.lower())
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


class _Broadcast:
    """Wakes every waiter on each change; waiters re-check their condition (no polling)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_until(self, check: Callable[[], Any], timeout: float | None) -> Any:
        """The first non-None result of check(); TimeoutError after timeout seconds."""
        async with asyncio.timeout(timeout):
            while (result := check()) is None:
                await self._event.wait()
        return result


@dataclass
class _KnownMessage:
    message: dict[str, Any]
    raw_text: str  # as sent, before HTML parsing
    from_bot: bool


# -- the stand-in -------------------------------------------------------------------------------


class BotApiStandIn:
    """A fake Telegram Bot API server for one bot, on 127.0.0.1 and an OS-chosen port."""

    def __init__(
        self,
        *,
        token: str = BOT_TOKEN,
        host: str = "127.0.0.1",
        not_modified_errors: bool = True,
    ) -> None:
        if not TOKEN_PATTERN.match(token):
            raise ValueError("token must look like 123456789:AA... (30+ characters after ':')")
        self.token = token
        self.host = host
        self.not_modified_errors = not_modified_errors
        self.bot_user = dict(BOT_USER, id=int(token.split(":")[0]))

        # What the bot did.
        self.calls: list[Call] = []
        self.sent: list[SentMessage] = []
        self.edits: list[SentMessage] = []
        self.deleted: list[tuple[int, int]] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.downloads: list[str] = []
        self.webhook_url: str | None = None
        self.webhook_secret: str | None = None
        self.webhook_params: dict[str, Any] = {}
        self.internal_errors: list[str] = []  # bugs of the stand-in itself (answered with 500)

        # What the test does.
        self.blocked_chats: set[int] = set()
        self.files: dict[str, StoredFile] = {}
        self.queued: list[dict[str, Any]] = []

        self._files_by_path: dict[str, StoredFile] = {}
        self._floods: dict[str, list[int]] = {}
        self._pending: list[dict[str, Any]] = []
        self._confirmed_below = 0
        self._poll_generation = 0
        self._closing = False
        self._update_ids = itertools.count(100_000_001)
        self._callback_ids = itertools.count(4_382_000_000_000_000_001)
        self._file_numbers = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._messages: dict[tuple[int, int], _KnownMessage] = {}
        self._deleted: set[tuple[int, int]] = set()
        self._first_names: dict[int, str] = {}
        self._updates_changed = _Broadcast()
        self._records_changed = _Broadcast()
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        self._port: int | None = None
        self._methods: dict[str, tuple[str, Callable[[dict[str, Any]], Any]]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "sendMessage": self._send_message,
                "sendDocument": self._send_document,
                "sendPhoto": self._send_photo,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "setMyCommands": self._set_my_commands,
                "deleteWebhook": self._delete_webhook,
                "setWebhook": self._set_webhook,
                "sendChatAction": self._send_chat_action,
                "getFile": self._get_file,
            }.items()
        }

    # -- life cycle -----------------------------------------------------------------------------

    async def __aenter__(self) -> BotApiStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("the stand-in is already running")

        @web.middleware
        async def telegram_errors(request: web.Request, handler: Any) -> web.StreamResponse:
            try:
                return await handler(request)
            except ApiError as exc:
                return exc.response()
            except web.HTTPException as exc:
                description = {413: "Request Entity Too Large"}.get(exc.status, exc.reason)
                return error_response(exc.status, description)
            except Exception as exc:  # a stand-in bug: say so, never a traceback page
                log.exception("stand-in failed on %s %s", request.method, request.path)
                self.internal_errors.append(f"{request.path}: {exc!r}")
                return error_response(500, "Internal Server Error")

        app = web.Application(
            client_max_size=UPLOAD_LIMIT + 1024 * 1024, middlewares=[telegram_errors]
        )
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._closing = False
        runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, 0)
        await site.start()
        self._runner = runner
        self._port = runner.addresses[0][1]

    async def stop(self) -> None:
        """Ends pending long polls (they answer []), the server and the webhook client."""
        self._closing = True
        self._updates_changed.notify()
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the stand-in is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """For TELEGRAM_API_BASE / TelegramAPIServer.from_base()."""
        return f"http://{self.host}:{self.port}"

    # -- test controls --------------------------------------------------------------------------

    def flood(self, method: str = "sendMessage", times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls of `method` answer 429 Too Many Requests."""
        key = method.lower()
        if key not in self._methods:
            raise ValueError(f"unknown method {method!r}")
        self._floods[key] = [times, retry_after]

    def block(self, chat_id: int) -> None:
        """The user blocked the bot: sending to the chat answers 403."""
        self.blocked_chats.add(chat_id)

    def register_file(
        self,
        content: bytes,
        file_name: str | None = None,
        mime_type: str | None = None,
        file_size: int | None = None,
        kind: str = "documents",
    ) -> StoredFile:
        """A file getFile and the download URL know; file_size may claim more than content."""
        number = next(self._file_numbers)
        suffix = PurePosixPath(file_name).suffix if file_name else ""
        prefix = {"photos": "AgACAgIAAxkBAAI"}.get(kind, "BQACAgIAAxkBAAI")
        stored = StoredFile(
            file_id=f"{prefix}{number:06d}{secrets.token_urlsafe(36)}",
            file_unique_id=f"AgAD{number:04d}{secrets.token_urlsafe(6)}",
            file_path=f"{kind}/file_{number}{suffix}",
            content=content,
            file_size=len(content) if file_size is None else file_size,
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def queue(self, update: dict[str, Any]) -> int:
        """Offers the update to getUpdates (a copy of it); returns its update_id."""
        update = json.loads(json.dumps(update))  # a private copy, and proof it is JSON
        update_id = update.setdefault("update_id", next(self._update_ids))
        if not isinstance(update_id, int) or update_id < self._confirmed_below:
            raise ValueError(f"update_id {update_id!r} was already confirmed by the bot")
        self._pending.append(update)
        self._pending.sort(key=lambda item: item["update_id"])
        self.queued.append(update)
        self._updates_changed.notify()
        return update_id

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Queued updates the bot has not confirmed yet (with a later getUpdates offset)."""
        return list(self._pending)

    def mark(self) -> int:
        """The index of the next sent message, for wait_for(after=...)."""
        return len(self.sent)

    # -- the user's side ------------------------------------------------------------------------

    def user_message(
        self,
        user_id: int,
        text: str,
        first_name: str = "Иван",
        reply_to: int | SentMessage | None = None,
    ) -> dict[str, Any]:
        """An Update with a private text message from the user (a /command gets its entity)."""
        message = self._user_message_base(user_id, first_name)
        message["text"] = text
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [
                {"type": "bot_command", "offset": 0, "length": utf16_length(command)}
            ]
        if reply_to is not None:
            message_id = reply_to.message_id if isinstance(reply_to, SentMessage) else reply_to
            message["reply_to_message"] = self._message_snapshot(user_id, message_id)
        self._remember(user_id, message, text, from_bot=False)
        return {"update_id": next(self._update_ids), "message": message}

    def user_document(
        self,
        user_id: int,
        file_name: str,
        content: bytes,
        mime_type: str = "application/pdf",
        first_name: str = "Иван",
        caption: str | None = None,
        file_size: int | None = None,
    ) -> dict[str, Any]:
        """An Update with a document; its file is registered for getFile and download."""
        stored = self.register_file(content, file_name, mime_type, file_size)
        message = self._user_message_base(user_id, first_name)
        message["document"] = {
            "file_name": file_name,
            "mime_type": mime_type,
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
        }
        if caption:
            message["caption"] = caption
        self._remember(user_id, message, caption or "", from_bot=False)
        return {"update_id": next(self._update_ids), "message": message}

    def press_button(
        self, user_id: int, callback_data: str, message_id: int, first_name: str = "Иван"
    ) -> dict[str, Any]:
        """An Update with a callback query from a button under the bot's message."""
        self._first_names.setdefault(user_id, first_name)
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._callback_ids)),
                "from": self._user(user_id, first_name),
                "message": self._message_snapshot(user_id, message_id),
                "chat_instance": str(-((user_id * 2_654_435_761) % 10**19)),
                "data": callback_data,
            },
        }

    def press(self, user_id: int, sent: SentMessage, label: str) -> dict[str, Any]:
        """press_button() for the button of `sent` whose label is or contains `label`."""
        buttons = inline_buttons(sent.reply_markup)
        matches = [b for b in buttons if b[0] == label] or [b for b in buttons if label in b[0]]
        if not matches:
            raise LookupError(f"no button {label!r} among {[text for text, _ in buttons]}")
        text, data = matches[0]
        if data is None:
            raise ValueError(f"button {text!r} has no callback_data")
        return self.press_button(user_id, data, sent.message_id)

    @staticmethod
    def buttons(sent: SentMessage | dict[str, Any] | None) -> list[tuple[str, str | None]]:
        """(label, callback_data) of an inline keyboard, row by row."""
        return inline_buttons(sent)

    # -- webhook mode ---------------------------------------------------------------------------

    async def post_to_webhook(
        self, url: str, update: dict[str, Any], secret_token: str | None = None
    ) -> int:
        """POSTs the update as Telegram does (JSON, secret header when given); the HTTP status."""
        if self._client is None or self._client.closed:
            self._client = ClientSession(timeout=ClientTimeout(total=60))
        headers = {"Content-Type": "application/json"}
        if secret_token is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret_token
        body = json.dumps(update, ensure_ascii=False).encode()
        async with self._client.post(url, data=body, headers=headers) as response:
            await response.read()
            return response.status

    async def deliver(self, update: dict[str, Any]) -> int:
        """post_to_webhook() to the URL and secret the bot registered with setWebhook."""
        if self.webhook_url is None:
            raise RuntimeError("the bot has not called setWebhook")
        return await self.post_to_webhook(self.webhook_url, update, self.webhook_secret)

    # -- waiting for the bot --------------------------------------------------------------------

    async def wait_for(
        self,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 15,
        *,
        after: int = 0,
    ) -> SentMessage:
        """The first sent message from index `after` on that matches the predicate."""
        return await self._first(self.sent, "message", predicate, timeout, after)

    async def _first(
        self,
        records: list[SentMessage],
        what: str,
        predicate: Callable[[SentMessage], bool] | None,
        timeout: float,
        after: int,
    ) -> SentMessage:
        def find() -> SentMessage | None:
            for record in records[after:]:
                if predicate is None or predicate(record):
                    return record
            return None

        try:
            return await self._records_changed.wait_until(find, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"no matching {what} within {timeout} s; from #{after}: "
                f"{self._describe(records[after:])}"
            ) from None

    async def wait_for_count(
        self, n: int, after: int = 0, chat_id: int | None = None, timeout: float = 15
    ) -> list[SentMessage]:
        """The first n messages sent from index `after` on (to chat_id, when given)."""

        def find() -> list[SentMessage] | None:
            found = [m for m in self.sent[after:] if chat_id is None or m.chat_id == chat_id]
            return found[:n] if len(found) >= n else None

        try:
            return await self._records_changed.wait_until(find, timeout)
        except TimeoutError:
            raise TimeoutError(
                f"expected {n} messages within {timeout} s; sent from #{after}: "
                f"{self._describe(self.sent[after:])}"
            ) from None

    async def wait_for_edit(
        self,
        predicate: Callable[[SentMessage], bool] | None = None,
        timeout: float = 15,
        *,
        after: int = 0,
    ) -> SentMessage:
        """Like wait_for(), over `edits` (editMessageText / editMessageReplyMarkup)."""
        return await self._first(self.edits, "edit", predicate, timeout, after)

    async def wait_for_call(
        self,
        method: str,
        timeout: float = 15,
        *,
        after: int = 0,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
    ) -> Call:
        """The first call of `method` from index `after` of `calls` on, e.g. the first poll."""
        key = method.lower()

        def find() -> Call | None:
            for call in self.calls[after:]:
                if call.method.lower() == key and (predicate is None or predicate(call.params)):
                    return call
            return None

        try:
            return await self._records_changed.wait_until(find, timeout)
        except TimeoutError:
            seen = sorted({call.method for call in self.calls[after:]})
            raise TimeoutError(f"no {method} call within {timeout} s; seen: {seen}") from None

    def calls_of(self, method: str) -> list[dict[str, Any]]:
        key = method.lower()
        return [call.params for call in self.calls if call.method.lower() == key]

    def sent_to(self, chat_id: int) -> list[SentMessage]:
        return [sent for sent in self.sent if sent.chat_id == chat_id]

    @staticmethod
    def _describe(messages: Iterable[SentMessage]) -> str:
        shown = [f"{m.method}→{m.chat_id}: {m.plain_text[:60]!r}" for m in messages]
        return "; ".join(shown) or "nothing"

    # -- HTTP -----------------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/file/bot"):
            return self._download(request, path[len("/file/bot") :])
        match = re.fullmatch(r"/bot([^/]+)/([^/]*)", path)
        if match is None:
            raise ApiError(404, "Not Found")
        token, method = match.groups()
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        if request.method not in {"GET", "POST"}:
            raise ApiError(405, "Method Not Allowed")
        known = self._methods.get(method.lower())
        if known is None:
            try:
                params = await self._read_params(request)
            except ApiError:
                params = {}
            self._record_call(method, params)
            raise ApiError(404, "Not Found: method not found")
        name, handler = known
        params = await self._read_params(request)
        self._record_call(name, params)
        flood = self._floods.get(name.lower())
        if flood is not None and flood[0] > 0:
            flood[0] -= 1
            retry_after = flood[1]
            raise ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        result = await handler(params)
        return web.json_response({"ok": True, "result": result})

    def _download(self, request: web.Request, rest: str) -> web.StreamResponse:
        token, _, file_path = rest.partition("/")
        if token != self.token:
            raise ApiError(401, "Unauthorized")
        stored = self._files_by_path.get(file_path)
        if stored is None or request.method not in {"GET", "HEAD"}:
            raise ApiError(404, "Not Found")
        self.downloads.append(file_path)
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        """Query string and body (urlencoded, multipart or JSON) as typed parameters."""
        params: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.method == "POST" and request.body_exists:
            content_type = request.content_type
            try:
                if content_type == "application/json":
                    body = await request.json()
                    if not isinstance(body, dict):
                        raise bad_request("the request body must be a JSON object")
                    params.update(body)
                elif content_type in {"application/x-www-form-urlencoded", "multipart/form-data"}:
                    form = await request.post()
                    for key, value in form.items():
                        if isinstance(value, FileField):
                            files[key] = UploadedFile(
                                value.filename, value.file.read(), value.content_type
                            )
                        else:
                            params[key] = value
                else:
                    raise bad_request(f"unsupported Content-Type {content_type!r}")
            except (ApiError, web.HTTPException):
                raise
            except Exception as exc:  # malformed body: JSON, multipart or encoding
                raise bad_request(f"can't parse request: {type(exc).__name__}") from exc
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://"):
                attached = files.pop(value[len("attach://") :], None)
                if attached is None:
                    raise bad_request(f"file {value!r} of parameter {key!r} is not attached")
                params[key] = attached
        for key, attached in files.items():  # uploads straight under the parameter's name
            params.setdefault(key, attached)
        return {key: self._typed(key, value) for key, value in params.items()}

    @staticmethod
    def _typed(key: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if key in JSON_FIELDS:
            try:
                return json.loads(value)
            except ValueError:
                what = "reply keyboard markup" if key == "reply_markup" else key
                raise bad_request(f"can't parse {what} JSON object") from None
        if key in INT_FIELDS and _INTEGER.match(value):
            return int(value)
        if key in BOOL_FIELDS and value.lower() in {"true", "false", "1", "0"}:
            return value.lower() in {"true", "1"}
        return value

    def _record_call(self, method: str, params: dict[str, Any]) -> None:
        self.calls.append(Call(method, params))
        self._records_changed.notify()

    # -- messages -------------------------------------------------------------------------------

    def _user(self, user_id: int, first_name: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "bg"}

    def _chat(self, chat_id: int) -> dict[str, Any]:
        if chat_id < 0:
            kind = "supergroup" if chat_id < -1_000_000_000_000 else "group"
            return {"id": chat_id, "type": kind, "title": f"Chat {chat_id}"}
        chat: dict[str, Any] = {"id": chat_id, "type": "private"}
        if chat_id in self._first_names:
            chat["first_name"] = self._first_names[chat_id]
        return chat

    def _next_message_id(self, chat_id: int) -> int:
        return next(self._message_ids.setdefault(chat_id, itertools.count(1)))

    def _user_message_base(self, user_id: int, first_name: str) -> dict[str, Any]:
        self._first_names[user_id] = first_name
        return {
            "message_id": self._next_message_id(user_id),
            "from": self._user(user_id, first_name),
            "chat": {"id": user_id, "type": "private", "first_name": first_name},
            "date": int(time.time()),
        }

    def _remember(
        self, chat_id: int, message: dict[str, Any], raw_text: str, from_bot: bool
    ) -> None:
        self._messages[(chat_id, message["message_id"])] = _KnownMessage(
            json.loads(json.dumps(message)), raw_text, from_bot
        )

    def _message_snapshot(self, chat_id: int, message_id: int) -> dict[str, Any]:
        """The message as an update carries it: known content, else a placeholder bot message."""
        known = self._messages.get((chat_id, message_id))
        if known is not None:
            snapshot = json.loads(json.dumps(known.message))
            snapshot.pop("reply_to_message", None)
            return snapshot
        return {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            "text": "…",
        }

    def _chat_id(self, params: dict[str, Any], sending: bool = True) -> int:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise bad_request("chat_id is empty")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise bad_request("chat not found")
        if sending and chat_id in self.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id

    def _message_key(self, params: dict[str, Any], action: str) -> tuple[int, int]:
        chat_id = self._chat_id(params, sending=False)
        message_id = params.get("message_id")
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            raise bad_request("message identifier is not specified")
        if (chat_id, message_id) in self._deleted:
            raise bad_request(f"message to {action} not found")
        return chat_id, message_id

    @staticmethod
    def _render(text: str, parse_mode: Any) -> str:
        if isinstance(parse_mode, str) and parse_mode.lower() == "html":
            return html_to_plain(text).strip()
        return text.strip()

    @staticmethod
    def _markup(params: dict[str, Any]) -> dict[str, Any] | None:
        """The validated reply_markup, or None."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
                raise bad_request(
                    'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array '
                    "of Arrays"
                )
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                        raise bad_request(
                            'can\'t parse inline keyboard button: Field "text" must be of type '
                            "String"
                        )
                    if not any(action in button for action in INLINE_BUTTON_ACTIONS):
                        raise bad_request(
                            "can't parse inline keyboard button: Text buttons are unallowed in "
                            "the inline keyboard"
                        )
                    data = button.get("callback_data")
                    if data is not None and (
                        not isinstance(data, str)
                        or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
                    ):
                        raise bad_request("BUTTON_DATA_INVALID")
            return markup
        if any(key in markup for key in ("keyboard", "remove_keyboard", "force_reply")):
            return markup
        raise bad_request("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _echoed_markup(markup: dict[str, Any] | None) -> dict[str, Any] | None:
        """Telegram shows only a non-empty inline keyboard in the Message it returns."""
        if markup is not None and markup.get("inline_keyboard"):
            return markup
        return None

    def _bot_message(
        self, chat_id: int, markup: dict[str, Any] | None, raw_text: str, **content: Any
    ) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat_id),
            "from": self.bot_user,
            "chat": self._chat(chat_id),
            "date": int(time.time()),
            **content,
        }
        echoed = self._echoed_markup(markup)
        if echoed is not None:
            message["reply_markup"] = echoed
        self._remember(chat_id, message, raw_text, from_bot=True)
        return message

    def _record_sent(self, sent: SentMessage, edit: bool = False) -> None:
        (self.edits if edit else self.sent).append(sent)
        self._records_changed.notify()

    def _caption(self, params: dict[str, Any]) -> tuple[str, str]:
        raw = params.get("caption") or ""
        if not isinstance(raw, str):
            raise bad_request("caption must be a string")
        plain = self._render(raw, params.get("parse_mode"))
        if utf16_length(plain) > MAX_CAPTION_LENGTH:
            raise bad_request("message caption is too long")
        return raw, plain

    def _upload(
        self, params: dict[str, Any], key: str, kind: str
    ) -> tuple[StoredFile | None, str | None, bytes | None]:
        """The sent file (registered anew for uploads), its name and bytes."""
        value = params.get(key)
        if value is None or value == "":
            raise bad_request(f"there is no {key} in the request")
        if isinstance(value, UploadedFile):
            mime = value.content_type
            if mime in {"", "application/octet-stream"} and value.file_name:
                mime = mimetypes.guess_type(value.file_name)[0] or mime
            stored = self.register_file(value.content, value.file_name, mime, kind=kind)
            return stored, value.file_name, value.content
        if not isinstance(value, str):
            raise bad_request(f"wrong type of the {key} parameter")
        if value in self.files:
            stored = self.files[value]
            return stored, stored.file_name, stored.content
        if value.startswith(("http://", "https://")):
            return None, PurePosixPath(value.split("?")[0]).name or None, None
        raise bad_request("wrong file identifier/HTTP URL specified")

    # -- methods --------------------------------------------------------------------------------

    async def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook_url is not None:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = self._int_param(params, "offset", 0)
        limit = min(max(self._int_param(params, "limit", MAX_UPDATES_LIMIT), 1), 100)
        timeout = max(self._int_param(params, "timeout", 0), 0)
        if offset > 0:
            self._confirmed_below = max(self._confirmed_below, offset)
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]
            if self._pending:
                self._confirmed_below = max(self._confirmed_below, self._pending[0]["update_id"])
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_changed.notify()  # an older poll still waiting is now terminated

        def ready() -> bool | None:
            if self._closing or generation != self._poll_generation or self._pending:
                return True
            return None

        if timeout > 0:
            with contextlib.suppress(TimeoutError):
                await self._updates_changed.wait_until(ready, timeout)
        if generation != self._poll_generation and not self._closing:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot "
                "instance is running",
            )
        return [] if self._closing else self._pending[:limit]

    @staticmethod
    def _int_param(params: dict[str, Any], key: str, default: int) -> int:
        value = params.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad_request(f"wrong parameter {key} in request")
        return int(value)

    async def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        raw = params.get("text")
        if not isinstance(raw, str) or not raw:
            raise bad_request("message text is empty")
        plain = self._render(raw, params.get("parse_mode"))
        if not plain:
            raise bad_request("message text is empty")
        if utf16_length(plain) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        markup = self._markup(params)
        message = self._bot_message(chat_id, markup, raw, text=plain)
        self._record_sent(
            SentMessage(
                chat_id=chat_id,
                text=raw,
                reply_markup=markup,
                message_id=message["message_id"],
                method="sendMessage",
                plain_text=plain,
                parse_mode=params.get("parse_mode"),
                params=params,
            )
        )
        return message

    async def _send_document(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        raw, plain = self._caption(params)
        markup = self._markup(params)
        stored, file_name, content = self._upload(params, "document", "documents")
        document: dict[str, Any] = {
            "file_id": stored.file_id if stored else f"BQACAgIAAxkBAAI{secrets.token_urlsafe(36)}",
            "file_unique_id": stored.file_unique_id if stored else secrets.token_urlsafe(10),
        }
        if file_name:
            document["file_name"] = file_name
        if stored is not None:
            if stored.mime_type:
                document["mime_type"] = stored.mime_type
            document["file_size"] = stored.file_size
        content_fields: dict[str, Any] = {"document": document}
        if plain:
            content_fields["caption"] = plain
        message = self._bot_message(chat_id, markup, raw, **content_fields)
        self._record_sent(
            SentMessage(
                chat_id=chat_id,
                text=raw,
                reply_markup=markup,
                message_id=message["message_id"],
                method="sendDocument",
                file_name=file_name,
                file_bytes=content,
                plain_text=plain,
                parse_mode=params.get("parse_mode"),
                params=params,
            )
        )
        return message

    async def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        raw, plain = self._caption(params)
        markup = self._markup(params)
        stored, file_name, content = self._upload(params, "photo", "photos")
        size = stored.file_size if stored else 0
        file_id = stored.file_id if stored else f"AgACAgIAAxkBAAI{secrets.token_urlsafe(36)}"
        unique = stored.file_unique_id if stored else secrets.token_urlsafe(10)
        photo = [
            {
                "file_id": f"{file_id}-s",
                "file_unique_id": f"{unique}-s",
                "file_size": min(size, 1_500),
                "width": 90,
                "height": 90,
            },
            {
                "file_id": file_id,
                "file_unique_id": unique,
                "file_size": size,
                "width": 800,
                "height": 800,
            },
        ]
        content_fields: dict[str, Any] = {"photo": photo}
        if plain:
            content_fields["caption"] = plain
        message = self._bot_message(chat_id, markup, raw, **content_fields)
        self._record_sent(
            SentMessage(
                chat_id=chat_id,
                text=raw,
                reply_markup=markup,
                message_id=message["message_id"],
                method="sendPhoto",
                file_name=file_name,
                file_bytes=content,
                plain_text=plain,
                parse_mode=params.get("parse_mode"),
                params=params,
            )
        )
        return message

    def _edited(
        self, params: dict[str, Any], method: str, text: tuple[str, str] | None
    ) -> dict[str, Any] | bool:
        """Applies an edit of text (raw, plain) and/or reply markup; the Message or True."""
        markup = self._markup(params)
        if params.get("inline_message_id"):
            self._record_sent(
                SentMessage(
                    chat_id=0,
                    text=text[0] if text else "",
                    reply_markup=markup,
                    message_id=0,
                    method=method,
                    plain_text=text[1] if text else "",
                    params=params,
                ),
                edit=True,
            )
            return True
        chat_id, message_id = self._message_key(params, "edit")
        known = self._messages.get((chat_id, message_id))
        if known is not None and not known.from_bot:
            raise bad_request("message can't be edited")
        seen = known is not None
        if known is None:  # a message the stand-in never saw: accept, as a bot message
            message = self._message_snapshot(chat_id, message_id)
            known = _KnownMessage(message, message.get("text", ""), from_bot=True)
        message = json.loads(json.dumps(known.message))
        echoed = self._echoed_markup(markup)
        if text is not None:
            if "text" not in message:
                raise bad_request("there is no text in the message to edit")
            unchanged = message["text"] == text[1] and message.get("reply_markup") == echoed
            message["text"] = text[1]
        else:
            unchanged = message.get("reply_markup") == echoed
        if unchanged and seen and self.not_modified_errors:
            raise bad_request(NOT_MODIFIED)
        message.pop("reply_markup", None)
        if echoed is not None:
            message["reply_markup"] = echoed
        message["edit_date"] = int(time.time())
        raw_text = text[0] if text is not None else known.raw_text
        self._remember(chat_id, message, raw_text, from_bot=True)
        self._record_sent(
            SentMessage(
                chat_id=chat_id,
                text=raw_text,
                reply_markup=markup,
                message_id=message_id,
                method=method,
                plain_text=message.get("text", message.get("caption", "")),
                parse_mode=params.get("parse_mode"),
                params=params,
            ),
            edit=True,
        )
        return message

    async def _edit_message_text(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        raw = params.get("text")
        if not isinstance(raw, str) or not raw:
            raise bad_request("message text is empty")
        plain = self._render(raw, params.get("parse_mode"))
        if not plain:
            raise bad_request("message text is empty")
        if utf16_length(plain) > MAX_TEXT_LENGTH:
            raise bad_request("MESSAGE_TOO_LONG")
        return self._edited(params, "editMessageText", (raw, plain))

    async def _edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any] | bool:
        return self._edited(params, "editMessageReplyMarkup", None)

    async def _delete_message(self, params: dict[str, Any]) -> bool:
        key = self._message_key(params, "delete")
        self._deleted.add(key)
        self._messages.pop(key, None)
        self.deleted.append(key)
        return True

    async def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = params.get("callback_query_id")
        if not isinstance(query_id, str) or not query_id:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self.callback_answers.append(params)
        return True

    async def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND.match(str(command.get("command"))):
                raise bad_request("BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise bad_request("command description is empty or too long")
        scope = params.get("scope")
        scope_type = scope.get("type", "default") if isinstance(scope, dict) else "default"
        language = params.get("language_code") or ""
        self.commands[(scope_type, language)] = commands
        return True

    async def _set_webhook(self, params: dict[str, Any]) -> bool:
        url = params.get("url")
        if not isinstance(url, str):
            raise bad_request("bad webhook: URL must be a string")
        secret = params.get("secret_token")
        if secret is not None and not (isinstance(secret, str) and _SECRET_TOKEN.match(secret)):
            raise bad_request("secret token contains unallowed characters")
        if url and not re.match(r"^https?://[^\s/]+", url):
            raise bad_request("bad webhook: Failed to resolve host: Name or service not known")
        if params.get("drop_pending_updates"):
            self._drop_pending()
        self.webhook_url = url or None
        self.webhook_secret = secret if url else None
        self.webhook_params = params if url else {}
        return True

    async def _delete_webhook(self, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates"):
            self._drop_pending()
        self.webhook_url = None
        self.webhook_secret = None
        self.webhook_params = {}
        return True

    def _drop_pending(self) -> None:
        if self._pending:
            self._confirmed_below = max(self._confirmed_below, self._pending[-1]["update_id"] + 1)
        self._pending = []

    async def _send_chat_action(self, params: dict[str, Any]) -> bool:
        chat_id = self._chat_id(params)
        action = params.get("action")
        if not isinstance(action, str) or not action:
            raise bad_request("wrong parameter action in request")
        self.chat_actions.append((chat_id, action))
        return True

    async def _get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = params.get("file_id")
        if not isinstance(file_id, str) or not file_id:
            raise bad_request("file_id is empty")
        stored = self.files.get(file_id)
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.file_size > DOWNLOAD_LIMIT:
            raise bad_request("file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "file_path": stored.file_path,
        }


# -- running the real bot against the stand-in ----------------------------------------------------

# Settings a developer's shell may carry that must not leak into a bot started against the stand-in.
_BOT_SETTING_PREFIXES = ("BOT_", "WEBHOOK_", "DATABASE_", "REDIS_", "STAFF_", "ADMIN_")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bot_environment(standin: BotApiStandIn, data_dir: Path, **settings: str) -> dict[str, str]:
    """The environment for `python -m bot` talking to this stand-in: the process environment
    without the bot's own settings, the stand-in's token and address, throwaway secrets, and
    structured logs; `settings` add or override."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_BOT_SETTING_PREFIXES)}
    env.update(
        BOT_TOKEN=standin.token,
        TELEGRAM_API_BASE=standin.base_url,
        PSEUDONYM_SECRET="standin-pseudonym-secret-0123456789",
        REGISTER_SECRET="standin-register-secret-0123456789",
        DATA_DIR=str(data_dir),
        LOG_LEVEL="INFO",
        LOG_FORMAT="json",
        PYTHONUNBUFFERED="1",
    )
    env.update(settings)
    return env
