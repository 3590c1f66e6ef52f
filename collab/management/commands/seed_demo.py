"""`manage.py seed_demo`: load the fictional demo programme and print the demo sign-ins."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from collab.demo import build_extensions, build_programme, demo_logins


class Command(BaseCommand):
    help = (
        "Load the fictional demo programme (“Inclusive Futures”: invented localities, organisations and people) and "
        "print one sign-in per role. Running it again changes nothing unless --reset is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--localities", type=int, default=3, help="How many localities (default 3).")
        parser.add_argument(
            "--members", type=int, default=35, help="Memberships per collaborative, former members included (35)."
        )
        parser.add_argument("--slug", default="inclusive-futures", help="The programme's slug (inclusive-futures).")
        parser.add_argument("--name", default=None, help="The programme's name (Inclusive Futures).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same seed, the same people.")
        parser.add_argument("--reset", action="store_true", help="Delete the programme first and build it again.")
        parser.add_argument("--no-logins", action="store_true", help="Do not create the demo sign-ins.")

    def handle(self, *args, **options) -> None:
        if options["localities"] < 1 or options["localities"] > 500:
            raise CommandError("--localities must be between 1 and 500.")
        if options["members"] < 1 or options["members"] > 50_000:
            raise CommandError("--members must be between 1 and 50,000.")
        name = options["name"] or ("Inclusive Futures" if options["slug"] == "inclusive-futures" else options["slug"])
        try:
            result = build_programme(
                localities=options["localities"],
                members_per_collaborative=options["members"],
                slug=options["slug"],
                name=name,
                seed=options["seed"],
                with_demo_logins=not options["no_logins"],
                reset=options["reset"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        # The apps above the core add their demo data (sub-groups and their updates…), once.
        extension_lines = build_extensions(result.programme, with_demo_logins=not options["no_logins"])
        result.logins = demo_logins(result.programme)

        programme = result.programme
        site = settings.SITE_URL.rstrip("/") + "/"  # where `make run` serves it, or the deployment's address
        if result.created:
            self.stdout.write(self.style.SUCCESS(f"Built the demo programme “{programme.name}” ({programme.slug})."))
        else:
            self.stdout.write(
                f"The demo programme “{programme.name}” ({programme.slug}) is already loaded; nothing changed. "
                "Use --reset to build it again."
            )
        self.stdout.write(
            f"  {result.collaboratives} localities, {result.organisations} organisations, "
            f"{result.memberships} memberships, {result.invitations} pending invitations, "
            f"{result.workshops} workshops."
        )
        for line in extension_lines:
            self.stdout.write(f"  {line}")
        self.stdout.write("")
        if result.logins:
            self.stdout.write("Demo sign-ins (every place, organisation and person is fictional):")
            rows = [[login.role, login.email, login.password, login.where] for login in result.logins]
            self.stdout.write(_table(["Role", "Email", "Password", "Where"], rows))
            self.stdout.write("")
            self.stdout.write(f"Open {site} and sign in with one of these.")
        else:
            self.stdout.write(
                "No demo sign-ins in this programme (they belong to another programme, or were not asked for)."
            )
            self.stdout.write(f"The workspace is at {site}")


def _table(headings: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headings, *rows, strict=False)]
    rule = "  ".join("-" * width for width in widths)

    def line(cells: list[str]) -> str:
        return "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    return "\n".join([line(headings), rule, *(line(row) for row in rows)])
