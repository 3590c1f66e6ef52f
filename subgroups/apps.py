from django.apps import AppConfig


class SubgroupsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "subgroups"
    verbose_name = "Sub-groups"

    def ready(self) -> None:
        # The core's demo loader builds the sub-groups too, without the core knowing this app.
        from collab.demo import register_demo_extension
        from subgroups.demo import DEMO_EXTENSION

        register_demo_extension(DEMO_EXTENSION)
