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
        # The action plan's demo (items owned by these sub-groups, strategies, alignments), after the sub-groups.
        from subgroups.demo_plans import DEMO_EXTENSION as PLANS_DEMO

        register_demo_extension(PLANS_DEMO)

        # Reminders and digests about the sub-groups, run by the core's hourly "send what is due".
        from subgroups import demo_notifications, notifications

        notifications.register()
        register_demo_extension(demo_notifications.DEMO_EXTENSION)
