"""The `yimen` command: Django's management commands under one name.

    yimen migrate
    yimen demo load --scale small
    yimen places import [PATH]
    yimen catalog import FILE.yaml

Two-word commands (`demo load`) are management commands with a subcommand; everything is passed
through to Django unchanged, so `yimen help` lists what there is.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yimen.config.settings.local")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "yimen"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
