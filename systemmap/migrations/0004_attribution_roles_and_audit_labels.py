"""Quotes are attributed by a role chosen from a list (collab.identifiers), and the audit trail holds no words of
evidence.

- Each quote's attribution becomes the closest role ("Parent of a Year 7 pupil" → "Parent or carer (of a Year 7
  pupil)", "Sarah Jones, Year 9 pupil" → "Year 9 pupil"), keeping the old text as a description only when it passes
  the check; "Other" when nothing fits. Other evidence keeps its source unless it looks like a name or identifier.
- Audit rows about evidence were labelled with the first 60 characters of its text; they become "Evidence #<id>".
"""

from django.db import migrations

from collab.errors import DomainError
from collab.identifiers import closest_attribution
from systemmap.rules import clean_attribution

BATCH = 1000


def forwards(apps, schema_editor):
    Evidence = apps.get_model("systemmap", "Evidence")
    AuditEvent = apps.get_model("collab", "AuditEvent")
    changed = []
    for evidence in Evidence.objects.exclude(attribution="").only("pk", "kind", "attribution").iterator():
        new = evidence.attribution
        if evidence.kind == "quote":
            new = closest_attribution(evidence.attribution)
        else:
            try:
                clean_attribution(evidence.attribution, required=False)
            except DomainError:
                new = closest_attribution(evidence.attribution)
        if new != evidence.attribution:
            evidence.attribution = new
            changed.append(evidence)
        if len(changed) >= BATCH:
            Evidence.objects.bulk_update(changed, ["attribution"])
            changed = []
    Evidence.objects.bulk_update(changed, ["attribution"])
    rows = []
    for event in AuditEvent.objects.filter(target_type="systemmap.evidence").only("pk", "target_id").iterator():
        event.target_label = f"Evidence #{event.target_id}"
        rows.append(event)
        if len(rows) >= BATCH:
            AuditEvent.objects.bulk_update(rows, ["target_label"])
            rows = []
    AuditEvent.objects.bulk_update(rows, ["target_label"])


class Migration(migrations.Migration):
    dependencies = [
        ("systemmap", "0003_presentations"),
        ("collab", "0004_periodic_notification_tasks"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
