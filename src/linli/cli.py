"""The `linli` command: Django's management commands, and `linli engine ...` for the planning engine.

linli migrate | linli demo | linli serve | linli job ID | linli engine pmedian --orlib pmed1.txt
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else ["linli", *argv])
    if len(args) > 1 and args[1] == "engine":
        # The engine runs without Django: nothing of the web side is imported.
        from linli.engine.cli import main as engine_main

        raise SystemExit(engine_main(args[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "linli.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
