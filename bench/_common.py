"""Helpers shared by the benchmark scripts: timing, peak memory of a child process, table printing."""

from __future__ import annotations

import multiprocessing as mp
import os
import resource
import time
from collections.abc import Callable
from typing import Any


def _rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def _child(fn: Callable[[], Any], queue: mp.Queue) -> None:
    start = _rss_kib()
    t0 = time.perf_counter()
    try:
        out = fn()
        queue.put((time.perf_counter() - t0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start, out))
    except Exception as exc:  # reported, not raised: the table shows the failure
        queue.put((None, None, repr(exc)))


def run_isolated(fn: Callable[[], Any], timeout: float | None = None) -> tuple[float | None, float | None, Any]:
    """Run `fn` in a forked child: (seconds, extra peak RSS in MiB above the child's start, result).

    Returns (None, None, "timeout") when the child exceeds `timeout` seconds (it is then terminated).
    """
    ctx = mp.get_context("fork")
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, queue))
    proc.start()
    try:
        seconds, peak, out = queue.get(timeout=timeout)
    except Exception:
        proc.terminate()
        proc.join()
        return None, None, "timeout"
    proc.join()
    return seconds, (peak / 1024 if peak is not None else None), out


def table(header: list[str], rows: list[list[Any]]) -> str:
    """A markdown table."""

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)
