"""Demo load: how long each step of `demo_load` takes (the year of history above all), on a fresh SQLite
database in a throwaway data dir. The tests check what the demo writes, never how fast: timings live here
and in docs/benchmarks.md.

    .venv/bin/python bench/demo_history.py [--seed 2026]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="linli-bench-") as data_dir:
        os.environ.update({"DJANGO_SETTINGS_MODULE": "linli.config.settings", "LINLI_DATA_DIR": data_dir})
        os.environ.pop("DATABASE_URL", None)
        import django

        django.setup()
        from django.core.management import call_command

        from linli.demo.services import demo_load

        call_command("migrate", verbosity=0)
        marks: list[tuple[str, float]] = []
        demo_load(
            seed=args.seed, progress=lambda done, total, message="": marks.append((str(message), time.perf_counter()))
        )
        rows = [[name, end - start] for (name, start), (_next, end) in itertools.pairwise(marks)]
        print(table(["step", "seconds"], rows))


if __name__ == "__main__":
    main()
