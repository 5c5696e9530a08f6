"""Anonymous load on a live server (issue 12, "anonymous denial of service"): what one anonymous address can
make the server do, and what that costs everybody else.

Start a server on a database holding the demo district, e.g.

    LINLI_DATA_DIR=/tmp/data-sec .venv/bin/linli serve --port 8761
    .venv/bin/python bench/anonymous_load.py --url http://127.0.0.1:8761 [--heavy 8] [--rounds 3]

The script measures, in this order and in the same run:
1. the anchor: `/activities/` (a public page) alone, median of 5 requests;
2. one anonymous heavy request: `/api/hsds/organizations?full=true&per_page=200` (seconds, bytes, status);
3. `/activities/` again while `--heavy` anonymous heavy requests run at once from one address (each
   thread loops `--rounds` times), with the status codes the heavy requests received (429 = refused by the
   per-address rate limit);
and prints a markdown table. The figure that matters is (3) against (1): how much slower a resident's page
gets while one address hammers the public API.
"""

from __future__ import annotations

import argparse
import collections
import statistics
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import table

HEAVY = "/api/hsds/organizations?full=true&per_page=200"
PAGE = "/activities/"


def fetch(url: str) -> tuple[int, int, float]:
    """(status, bytes, seconds) of one GET."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            body = response.read()
            return response.status, len(body), time.perf_counter() - started
    except urllib.error.HTTPError as error:
        return error.code, len(error.read()), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8761")
    parser.add_argument("--heavy", type=int, default=8, help="concurrent anonymous heavy requests")
    parser.add_argument("--rounds", type=int, default=3, help="heavy requests per thread")
    args = parser.parse_args()
    base = args.url.rstrip("/")

    anchor = statistics.median(fetch(base + PAGE)[2] for _ in range(5))
    status, size, seconds = fetch(base + HEAVY)

    statuses: collections.Counter[int] = collections.Counter()
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(args.rounds):
            code = fetch(base + HEAVY)[0]
            with lock:
                statuses[code] += 1

    threads = [threading.Thread(target=hammer) for _ in range(args.heavy)]
    for thread in threads:
        thread.start()
    time.sleep(0.2)
    under_load: list[float] = []
    while any(thread.is_alive() for thread in threads) and len(under_load) < 50:
        under_load.append(fetch(base + PAGE)[2])
    for thread in threads:
        thread.join()

    rows = [
        [f"{PAGE} alone (anchor, median of 5)", anchor, "", ""],
        [f"one anonymous {HEAVY}", seconds, f"{size / 1e6:.2f} MB", status],
        [
            f"{PAGE} while {args.heavy}x{args.rounds} heavy requests run (median / max)",
            statistics.median(under_load) if under_load else 0.0,
            f"max {max(under_load) if under_load else 0.0:.3g} s, {len(under_load)} requests",
            ", ".join(f"{code}: {count}" for code, count in sorted(statuses.items())),
        ],
    ]
    print(table(["request", "seconds", "size / spread", "status"], rows))


if __name__ == "__main__":
    main()
