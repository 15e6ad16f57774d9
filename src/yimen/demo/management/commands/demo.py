"""`yimen demo load --scale small|full` and `yimen demo accounts`."""

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from yimen.common.errors import DomainError


class Command(BaseCommand):
    help = "生成并加载演示数据 / Generate and load the deterministic Chancheng demo world"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load places, catalog, persons, enterprises and demo accounts")
        load.add_argument("--scale", choices=["small", "full"], default="small")
        load.add_argument("--seed", type=int, default=4406)
        sub.add_parser("accounts", help="create (if needed) and print the demo accounts")

    def handle(self, *args, action, **opts):
        console = Console(stderr=False)
        try:
            if action == "load":
                self._load(console, opts["scale"], opts["seed"])
            else:
                self._accounts(console)
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _load(self, console: Console, scale: str, seed: int) -> None:
        from yimen.catalog.services import catalog_load_sample
        from yimen.demo.accounts import demo_accounts_ensure
        from yimen.demo.loader import demo_load
        from yimen.places.services import reference_load

        places = reference_load(grids=scale)
        catalog = catalog_load_sample()
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            tasks: dict[str, int] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(
                        {"persons": "自然人 persons", "enterprises": "法人 enterprises"}[stage], total=total
                    )
                bar.update(tasks[stage], completed=done)

            result = demo_load(scale=scale, seed=seed, progress=progress)
        demo_accounts_ensure()
        from yimen.demo.cases import demo_cases_load

        console.print(f"办件 cases: {demo_cases_load(scale=scale, seed=seed)}")
        from yimen.demo.events import demo_events_load

        console.print(f"事件 events: {demo_events_load(scale=scale, seed=seed)}")
        if result["already"]:
            console.print(
                f"演示数据已存在 (demo world already loaded, scale={scale}): "
                f"{result['persons']:,} persons, {result['enterprises']:,} enterprises"
            )
        else:
            console.print(
                f"已加载演示数据 (loaded, scale={scale}): {result['persons']:,} persons, "
                f"{result['enterprises']:,} enterprises in {result['seconds']:.1f} s"
            )
        console.print(
            f"区划 places: {places['divisions']['streets']} streets/towns, {places['divisions']['villages']} villages, "
            f"{places['departments']['district'] + places['departments']['street_offices']} departments, "
            f"{places['grids']['areas']} areas, {places['grids']['grids']} grids"
        )
        console.print(f"事项目录 catalog: {catalog}")

    def _accounts(self, console: Console) -> None:
        from yimen.demo.accounts import DEMO_PASSWORD, demo_accounts_ensure

        table = Table(title=f"演示账号 Demo accounts (password / 密码: {DEMO_PASSWORD})")
        table.add_column("username 用户名")
        table.add_column("role 角色")
        table.add_column("what 用途")
        for row in demo_accounts_ensure():
            table.add_row(str(row["username"]), str(row["role"]), str(row["what"]))
        console.print(table)
