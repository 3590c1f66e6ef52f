from django.apps import AppConfig


class ActionplansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "actionplans"
    verbose_name = "Vision, priorities and action plans"

    def ready(self) -> None:
        # The board's "promote to…" targets (a priority, a vision statement, a plan item), and this app's demo data
        # for the core's loader: both registered with the core, which does not know this app.
        from actionplans.demo import DEMO_EXTENSION
        from actionplans.services import register_promotion_targets
        from collab.demo import register_demo_extension

        register_promotion_targets()
        register_demo_extension(DEMO_EXTENSION)

        # Every programme gets the default outcome framework (the Theory of Change) when it is created.
        from django.db.models.signals import post_save

        from collab.models import Programme

        post_save.connect(_seed_outcome_framework, sender=Programme, dispatch_uid="actionplans-outcome-framework")


def _seed_outcome_framework(sender: type, instance: object, created: bool, raw: bool = False, **kwargs: object) -> None:
    if created and not raw:
        from actionplans.services import outcome_framework_ensure

        outcome_framework_ensure(programme=instance)
