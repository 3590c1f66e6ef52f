from django.apps import AppConfig


class ActionplansConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "actionplans"
    verbose_name = "Vision, priorities and action plans"

    def ready(self) -> None:
        from actionplans.services import register_promotion_targets

        register_promotion_targets()
