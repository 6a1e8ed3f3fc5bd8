from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0005_person_of_values"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessmentrun",
            name="counts",
            field=models.JSONField(blank=True, default=dict, verbose_name="汇总计数"),
        ),
    ]
