"""Interpreter settings for a serving process (kept apart so benchmarks can use them cheaply)."""

from __future__ import annotations

import asyncio
import gc
import sys

# How long a thread may hold the GIL while another waits (CPython's default is 5 ms).
GIL_SWITCH_SECONDS = 0.001


def tune_for_serving() -> None:
    """Once start-up is done.

    - Move what start-up built (indexes, content, modules) out of the garbage collector's way.
      Full collections then skip them; measured by benchmarks/pdf_check.py, this cut the event
      loop's worst stall while a PDF is read in a worker thread from ~60 ms to ~15 ms.
    - Hand the GIL over every 1 ms instead of 5 ms. While a PDF is read in a worker thread,
      another user's update makes dozens of hand-offs between the event loop and the database
      thread, each waiting for the reading thread's time slice: measured, that user waited about
      1.1 s with 5 ms slices and about 0.06 s with 1 ms ones (worst loop stall 2-4 ms).
    """
    gc.collect()
    gc.freeze()
    sys.setswitchinterval(GIL_SWITCH_SECONDS)


def serving_event_loop() -> asyncio.Runner:
    """The event loop of a serving process: uvloop (libuv) where it is installed — it costs
    less per network round trip, and an update makes about a dozen — else asyncio's own."""
    try:
        import uvloop
    except ImportError:  # e.g. Windows, where uvloop does not exist
        return asyncio.Runner()
    return asyncio.Runner(loop_factory=uvloop.new_event_loop)
