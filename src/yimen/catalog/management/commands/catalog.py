"""`yimen catalog import PATH [PATH...]`, `yimen catalog export PATH`, `yimen catalog load-sample`."""

from django.core.management.base import BaseCommand, CommandError

from yimen.catalog import services
from yimen.common.errors import DomainError


class Command(BaseCommand):
    help = "事项目录导入导出 / Import and export the service catalog (YAML)"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import catalog YAML files or directories (all or nothing)")
        imp.add_argument("paths", nargs="+", metavar="PATH")
        exp = sub.add_parser("export", help="write all published items and themes to one YAML file")
        exp.add_argument("path", metavar="PATH")
        sub.add_parser("load-sample", help="import the sample Chancheng catalog shipped with Yimen")

    def handle(self, *args, action, **options):
        try:
            if action == "import":
                report = services.catalog_import(path=options["paths"])
            elif action == "export":
                report = services.catalog_export(path=options["path"])
            else:
                report = services.catalog_load_sample()
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(str(report)))
