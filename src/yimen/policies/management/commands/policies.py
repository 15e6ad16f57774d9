"""`yimen policies load [--file F] | match [--policy CODE ...] [--day YYYY-MM-DD]`

load    load (create or update) the policies of policies.yaml (or F); the enterprise tags they name must
        be loaded first (`yimen proactive tags --load`)
match   match the policies (all, or these codes) against the enterprise library and send the offers;
        re-running changes nothing (nightly, or after a data load)
"""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from yimen.common.errors import DomainError


class Command(BaseCommand):
    help = "扶持通惠企政策 / Enterprise support policies: load definitions, match enterprises"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load policies.yaml or --file")
        load.add_argument("--file", default=None, help="a yimen-policies/1 YAML file")
        match = sub.add_parser("match", help="match enterprises and send offers")
        match.add_argument("--policy", nargs="+", default=None, metavar="CODE", help="only these policies")
        match.add_argument("--day", default=None, help="ISO date to match as of (default today)")

    def handle(self, *args, action, **opts):
        from yimen.policies import services

        try:
            if action == "load":
                counts = services.policies_load(path=opts["file"], actor="system")
                self.stdout.write(f"policies loaded: {counts}")
                return
            day = None
            if opts["day"]:
                try:
                    day = dt.date.fromisoformat(opts["day"])
                except ValueError as exc:
                    raise CommandError(f"--day: not an ISO date: {opts['day']}") from exc
            result = services.policies_match(today=day, policy_codes=opts["policy"], actor="system")
            for code, counts in result.items():
                self.stdout.write(json.dumps({"policy": code, **counts}, ensure_ascii=False))
        except DomainError as exc:
            raise CommandError(exc.message) from exc
