from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0006_run_counts"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessmentrun",
            name="rewritten",
            field=models.PositiveIntegerField(default=0, verbose_name="结果有变化的户"),
        ),
        migrations.AddField(
            model_name="householdassessment",
            name="digest",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="结果摘要"),
        ),
    ]
