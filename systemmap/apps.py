from django.apps import AppConfig


class SystemmapConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "systemmap"
    verbose_name = "System maps"

    def ready(self) -> None:
        # The core knows nothing of this app: it registers a live object kind (an open map stays current), the
        # "finding" promotion target of the workshop boards, its demo data, and what the audit trail says of evidence.
        from collab import live
        from collab.audit import register_label, register_redaction
        from collab.demo import register_demo_extension
        from collab.promotion import register_target
        from systemmap.audit import TARGET_TYPE, evidence_label, redact_evidence_changes
        from systemmap.demo import DEMO_EXTENSION
        from systemmap.protocol import MapKind
        from systemmap.services.findings import FINDING_TARGET

        live.register(MapKind())
        register_target(FINDING_TARGET)
        register_demo_extension(DEMO_EXTENSION)
        # The audit trail stores "Evidence #12", never a quote, and shows each reader its changes as they may see them.
        register_label(TARGET_TYPE, evidence_label)
        register_redaction(TARGET_TYPE, redact_evidence_changes)
