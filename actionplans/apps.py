from django.apps import AppConfig


class ActionplansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "actionplans"
    verbose_name = "Vision, priorities and action plans"

    def ready(self) -> None:
        # The board's "promote to…" targets (a priority, a vision statement), and this app's demo data for the core's
        # loader: both registered with the core, which does not know this app.
        from actionplans.demo import DEMO_EXTENSION
        from actionplans.services import register_promotion_targets
        from collab.demo import register_demo_extension

        register_promotion_targets()
        register_demo_extension(DEMO_EXTENSION)
