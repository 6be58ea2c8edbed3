"""Reading one PDF in a child process with hard limits: whatever the file does, the bot does not.

One process per file, forked from a forkserver that has already imported the reader (a new
worker starts in a few milliseconds, not the 1.5 s of importing pypdf and the normalizer), so each
file gets fresh memory and can be killed outright. Measured against a ProcessPoolExecutor with
max_tasks_per_child=1: the same start-up cost, but a pool cannot kill one worker at its deadline
without breaking the whole pool. The child:

- lowers its priority (nice 10), so the bot's event loop wins a shared core;
- caps its address space (RLIMIT_AS), so a bomb ends in MemoryError, not in the bot's swap;
- caps its CPU time (RLIMIT_CPU) and sets an alarm, so it dies by itself even if the parent
  vanished without killing it;
- sends each page's text as soon as it is read, so pages read before a limit are kept.

The parent waits with a wall-clock deadline (per file, and what is left of the check's budget)
and kills the child when it passes: the file is then TOO_COMPLEX (its own deadline) or
TIME_BUDGET (the check's). PdfJob.wait blocks: the bot calls it in a thread, never on the event
loop, and kill() ends the wait at once (on cancellation or shutdown).
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
import types
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as wait_for

from knowledge.checklists import ProblemKind

FILE_SECONDS = 18.0  # wall-clock limit for one file: with start-up and reply, under 20 s
CHILD_MEMORY_BYTES = 640 * 1024 * 1024  # address space; resident memory stays well below it
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["knowledge.pdf_text"])
_NO_MAIN = types.ModuleType("__main__")
_START_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class ReadPage:
    number: int
    text: str
    readable: bool
    kind: ProblemKind | None = None


@dataclass
class Reading:
    """What the child read before it finished or was stopped."""

    pages: list[ReadPage] = field(default_factory=list)
    problem: ProblemKind | None = None
    seconds: float = 0.0
    child_peak_rss_kb: int = 0  # VmHWM of the child, sampled while it ran


def _child_main(conn: Connection, seconds: float, memory_bytes: int) -> None:
    """Runs in the child process."""
    from knowledge.pdf_text import PdfProblem, read_pages

    os.nice(10)
    if memory_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    cpu = int(seconds) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    signal.alarm(int(seconds) + 5)  # the default action ends the process
    content = conn.recv_bytes()
    try:
        for page in read_pages(content, deadline=time.monotonic() + seconds):
            conn.send(("page", page.number, page.text, page.readable, page.kind))
        conn.send(("done",))
    except PdfProblem as problem:
        conn.send(("problem", problem.kind))
    except MemoryError:
        conn.send(("problem", ProblemKind.TOO_COMPLEX))


class PdfJob:
    """One file read in one child process: start(), wait() (blocking), kill() (any thread)."""

    def __init__(
        self,
        content: bytes,
        deadline: float | None = None,
        *,
        file_seconds: float | None = None,
        memory_bytes: int | None = None,
    ) -> None:
        self.content = content
        now = time.monotonic()
        file_deadline = now + (FILE_SECONDS if file_seconds is None else file_seconds)
        # The check's budget binds when less of it is left than the file's own limit.
        self.check_binds = deadline is not None and deadline < file_deadline
        self.deadline = min(file_deadline, deadline) if deadline is not None else file_deadline
        self.memory_bytes = CHILD_MEMORY_BYTES if memory_bytes is None else memory_bytes
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._killed = threading.Event()
        self._started = now

    @property
    def _on_expiry(self) -> ProblemKind:
        return ProblemKind.TIME_BUDGET if self.check_binds else ProblemKind.TOO_COMPLEX

    def start(self) -> None:
        seconds = max(0.1, self.deadline - time.monotonic())
        parent, child = _CONTEXT.Pipe()
        process = _CONTEXT.Process(
            target=_child_main, args=(child, seconds, self.memory_bytes), daemon=True
        )
        with _START_LOCK:  # the forkserver is started once, by the first caller
            # The child needs only this module, so it is not told about the main program:
            # multiprocessing would otherwise import the main script again in every child
            # (1.5 s for a test run) or refuse an unguarded one. Held for a few milliseconds.
            main = sys.modules["__main__"]
            sys.modules["__main__"] = _NO_MAIN
            try:
                process.start()
            finally:
                sys.modules["__main__"] = main
        child.close()
        self._process, self._conn = process, parent
        if self._killed.is_set():  # killed while starting
            self.kill()
            return
        try:
            parent.send_bytes(self.content)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the child is gone already: wait() reports it

    def wait(self) -> Reading:
        assert self._process is not None and self._conn is not None
        reading = Reading()
        conn, pid, sentinel = self._conn, self._process.pid, self._process.sentinel
        try:
            while True:
                if self._killed.is_set():
                    reading.problem = reading.problem or self._on_expiry
                    break
                left = self.deadline - time.monotonic()
                if left <= 0:
                    reading.problem = self._on_expiry
                    break
                reading.child_peak_rss_kb = max(reading.child_peak_rss_kb, _peak_rss_kb(pid))
                ready = wait_for([conn, sentinel], timeout=min(left, 0.05))
                if not ready:
                    continue
                if conn not in ready and not conn.poll(0):  # ended without a word
                    reading.problem = reading.problem or ProblemKind.TOO_COMPLEX
                    break
                try:
                    message = conn.recv()
                except (EOFError, OSError):  # died: memory, CPU or alarm limit, or killed
                    reading.problem = reading.problem or ProblemKind.TOO_COMPLEX
                    break
                if message[0] == "page":
                    _, number, text, readable, kind = message
                    reading.pages.append(ReadPage(number, text, readable, kind))
                elif message[0] == "problem":
                    reading.problem = message[1]
                    if reading.problem is ProblemKind.TIME_BUDGET:  # the child's own check
                        reading.problem = self._on_expiry
                    break
                else:
                    break
        finally:
            self.kill()
            conn.close()
        reading.seconds = time.monotonic() - self._started
        return reading

    def kill(self) -> None:
        """Stop the child now (safe to call twice, from any thread)."""
        self._killed.set()
        process = self._process
        if process is None:
            return
        if process.is_alive():
            process.kill()
        process.join(timeout=5)


def warm_up() -> None:
    """Start the forkserver now (it imports the reader: about 1.5 s), not at the first file."""
    from multiprocessing import forkserver

    with _START_LOCK:
        main = sys.modules["__main__"]
        sys.modules["__main__"] = _NO_MAIN
        try:
            forkserver.ensure_running()
        finally:
            sys.modules["__main__"] = main


def read_isolated(content: bytes, deadline: float | None = None, **limits: float) -> Reading:
    """Start, wait, and clean up (blocking: call it in a thread from async code)."""
    job = PdfJob(content, deadline, **limits)  # type: ignore[arg-type]
    job.start()
    return job.wait()


def _peak_rss_kb(pid: int | None) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0
