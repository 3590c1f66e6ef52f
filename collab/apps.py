from django.apps import AppConfig


class CollabConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "collab"
    verbose_name = "Collaboratives"

    def ready(self) -> None:
        from collab import live
        from collab.board_protocol import BoardKind

        live.register(BoardKind())

        # Reminders about the core's own things (workshops, invitations, attendance); apps above add theirs.
        from collab import reminders

        reminders.register()

        # A password change, by whatever route, revokes the person's API tokens.
        from collab.services import tokens

        tokens.connect()
