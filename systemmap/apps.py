from django.apps import AppConfig


class SystemmapConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "systemmap"
    verbose_name = "System maps"

    def ready(self) -> None:
        # The core knows nothing of this app: it registers a live object kind (an open map stays current), the
        # "finding" promotion target of the workshop boards, and its demo data.
        from collab import live
        from collab.demo import register_demo_extension
        from collab.promotion import register_target
        from systemmap.demo import DEMO_EXTENSION
        from systemmap.protocol import MapKind
        from systemmap.services.findings import FINDING_TARGET

        live.register(MapKind())
        register_target(FINDING_TARGET)
        register_demo_extension(DEMO_EXTENSION)
