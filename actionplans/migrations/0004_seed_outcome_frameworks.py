from django.db import migrations


def seed_frameworks(apps, schema_editor):
    from actionplans.outcomes_default import seed

    Programme = apps.get_model("collab", "Programme")
    OutcomeFramework = apps.get_model("actionplans", "OutcomeFramework")
    Outcome = apps.get_model("actionplans", "Outcome")
    for programme in Programme.objects.all():
        seed(OutcomeFramework, Outcome, programme)


class Migration(migrations.Migration):
    dependencies = [("actionplans", "0003_plans_outcomes_strategies")]

    operations = [migrations.RunPython(seed_frameworks, migrations.RunPython.noop)]
