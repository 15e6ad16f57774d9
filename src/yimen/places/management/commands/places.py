"""`yimen places import [PATH] [--divisions PATH] [--taxonomy PATH] [--departments PATH] [--grids small|full]`
and `yimen places locate LAT LNG`."""

from django.core.management.base import BaseCommand, CommandError

from yimen.common.errors import DomainError
from yimen.places import locator, services
from yimen.places.layout import GRID_TARGETS


class Command(BaseCommand):
    help = "区划、网格与部门 / Divisions, grids and departments of the district"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser(
            "import",
            help="import divisions and departments, generate areas and grids (reference files shipped with Yimen by default)",
        )
        imp.add_argument("path", nargs="?", metavar="PATH", help="division codes JSON (same as --divisions)")
        imp.add_argument("--divisions", metavar="PATH", help="division codes JSON {parent: {child: name}}")
        imp.add_argument("--taxonomy", metavar="PATH", help="event taxonomy YAML (its `departments`)")
        imp.add_argument("--departments", metavar="PATH", help="extra departments YAML")
        imp.add_argument(
            "--grids", choices=sorted(GRID_TARGETS), default="small", help="grid density (default small)"
        )
        imp.add_argument("--seed", type=int, default=4406, help="seed of the generated areas and grids")
        loc = sub.add_parser("locate", help="which grid, village, area and street a point lies in")
        loc.add_argument("lat", metavar="LAT")
        loc.add_argument("lng", metavar="LNG")

    def handle(self, *args, action, **options):
        try:
            if action == "import":
                self._import(options)
            else:
                self._locate(options["lat"], options["lng"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc

    def _import(self, options) -> None:
        divisions_path = options["divisions"] or options["path"]
        if options["path"] and options["divisions"] and options["path"] != options["divisions"]:
            raise CommandError("PATH 与 --divisions 只能给一个 (give the divisions file once)")
        if divisions_path or options["taxonomy"] or options["departments"]:
            result = {
                "divisions": services.divisions_import(path=divisions_path),
                "departments": services.departments_import(
                    taxonomy_path=options["taxonomy"], extras_path=options["departments"]
                ),
                "grids": services.grids_generate(scale=options["grids"], seed=options["seed"]),
            }
        else:
            result = services.reference_load(grids=options["grids"], seed=options["seed"])
        d, p, g = result["divisions"], result["departments"], result["grids"]
        self.stdout.write(
            f"区划 divisions: {d['streets']} 镇街 streets, {d['villages']} 村居 villages "
            f"(created {d['created']}, updated {d['updated']}, unchanged {d['unchanged']})"
        )
        self.stdout.write(
            f"部门 departments: {p['district']} 区直部门 district, {p['street_offices']} 镇街办事处 street offices "
            f"(created {p['created']}, updated {p['updated']}, unchanged {p['unchanged']})"
        )
        state = "generated" if g["changed"] else "already in place"
        self.stdout.write(
            self.style.SUCCESS(
                f"网格 grids ({g['scale']}, seed {g['seed']}, {state}): {g['areas']} 片区 areas, {g['grids']} 网格 grids "
                f"(created {g['created']}, updated {g['updated']}, deleted {g['deleted']})"
            )
        )

    def _locate(self, lat: str, lng: str) -> None:
        where = locator.locate(lat, lng)
        self.stdout.write(f"网格 grid:     {where.grid_code} {where.grid_name}")
        self.stdout.write(f"村居 village:  {where.village_code} {where.village_name}")
        if where.area_code:
            self.stdout.write(f"片区 area:     {where.area_code} {where.area_name}")
        self.stdout.write(f"镇街 street:   {where.street_code} {where.street_name}")
