"""`yimen notify send [--loop]`: send due text and email deliveries (quiet hours over, retries due);
`yimen notify resume`: enqueue again the chunks of running campaigns that still have pending recipients;
`yimen notify templates [--path FILE] [--update]`: load message templates from YAML (default: the shipped
ones; without --update, codes that exist are left alone)."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from yimen.common.errors import DomainError


class Command(BaseCommand):
    help = "消息通知 / Notifications: send due deliveries, resume campaigns, load templates"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        send = sub.add_parser("send", help="send the deliveries that are due (a cron job, or --loop)")
        send.add_argument("--loop", action="store_true", help="keep sweeping every --interval seconds")
        send.add_argument("--interval", type=float, default=30.0)
        send.add_argument("--batch", type=int, default=1000)
        sub.add_parser("resume", help="re-enqueue pending chunks of running campaigns")
        templates = sub.add_parser("templates", help="load message templates from YAML")
        templates.add_argument("--path", default=None)
        templates.add_argument("--update", action="store_true", help="overwrite templates that exist")

    def handle(self, *args, action, **opts):
        from yimen.notify import services

        if action == "send":
            while True:
                total = 0
                while claimed := services.deliveries_process(limit=opts["batch"]):
                    total += claimed
                self.stdout.write(f"deliveries processed: {total}")
                if not opts["loop"]:
                    return
                time.sleep(opts["interval"])
        elif action == "resume":
            count = services.campaigns_resume()
            self.stdout.write(f"chunks enqueued: {count}")
        elif action == "templates":
            path = Path(opts["path"]) if opts["path"] else None
            if path is not None and not path.exists():
                raise CommandError(f"{path}: no such file")
            try:
                saved = services.templates_load(path=path, only_missing=not opts["update"])
            except DomainError as exc:
                raise CommandError(f"模板有误 (template refused): {exc.message}") from exc
            self.stdout.write(f"templates saved: {', '.join(t.code for t in saved) or '(none)'}")
