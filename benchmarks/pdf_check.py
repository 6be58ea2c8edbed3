"""Checking text PDFs of 50 and 300 pages: wall time, peak memory, event-loop stalls.

    python -m benchmarks.pdf_check

Each size runs in a fresh process so its peak RSS is its own. The check runs as the bot runs it,
in a worker thread, while a coroutine on the event loop ticks every 5 ms and records how late
each tick is: the longest delay is the worst stall other users would feel.
Targets: 50 pages <= 1.5 s and peak RSS <= 300 MB; no stall over 100 ms.
"""

from __future__ import annotations

import asyncio
import gc
import json
import resource
import subprocess
import sys
import time

PAGE = (
    "ПРАВИЛНИК ЗА УСТРОЙСТВОТО И ДЕЙНОСТТА НА ЦЕНТЪР ЗА ПРОФЕСИОНАЛНО ОБУЧЕНИЕ\n"
    + "Чл. {n}. Центърът провежда обучение по професии и специалности съгласно лицензията си, "
    "учебните планове и учебните програми, утвърдени от директора. " * 12
)


def one(pages: int) -> dict[str, float]:
    from bot.content import build_knowledge
    from knowledge.document_check import check_pdf
    from tests.pdfs import text_pdf

    matcher = build_knowledge().document_matchers["cpo-licence"]
    content = text_pdf([PAGE.format(n=i) for i in range(pages)])
    if "--no-freeze" not in sys.argv:
        from bot.tuning import GIL_SWITCH_SECONDS

        gc.freeze()  # as the bot does after start-up: full collections skip what never dies
        sys.setswitchinterval(GIL_SWITCH_SECONDS)  # and the GIL handed over every 1 ms
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    async def run() -> tuple[float, float]:
        worst = 0.0
        done = asyncio.Event()

        async def ticker() -> None:
            nonlocal worst
            while not done.is_set():
                start = time.perf_counter()
                await asyncio.sleep(0.005)
                worst = max(worst, time.perf_counter() - start - 0.005)

        tick = asyncio.create_task(ticker())
        start = time.perf_counter()
        await asyncio.to_thread(check_pdf, matcher, "bench.pdf", content)
        elapsed = time.perf_counter() - start
        done.set()
        await tick
        return elapsed, worst

    elapsed, worst = asyncio.run(run())
    return {
        "pages": pages,
        "bytes": len(content),
        "seconds": elapsed,
        "worst_stall_ms": worst * 1000,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mb": rss_before,
    }


def main() -> None:
    if len(sys.argv) >= 3 and sys.argv[1] == "--one":
        print(json.dumps(one(int(sys.argv[2]))))
        return
    results = []
    for pages in (50, 300):
        output = subprocess.run(
            [sys.executable, "-m", "benchmarks.pdf_check", "--one", str(pages)],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        results.append(result)
        print(
            f"{pages:>3} pages ({result['bytes'] / 1024:.0f} KB): {result['seconds']:.2f} s, "
            f"{pages / result['seconds']:.0f} pages/s, peak RSS {result['peak_rss_mb']:.0f} MB, "
            f"worst event-loop stall {result['worst_stall_ms']:.1f} ms"
        )
    fifty = results[0]
    met = (
        fifty["seconds"] <= 1.5
        and max(r["peak_rss_mb"] for r in results) <= 300
        and max(r["worst_stall_ms"] for r in results) <= 100
    )
    print(
        f"targets {'MET' if met else 'NOT MET'}: 50 pages <= 1.5 s, peak RSS <= 300 MB, stalls <= 100 ms"
    )


if __name__ == "__main__":
    main()
