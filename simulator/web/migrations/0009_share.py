# Share links (simulator/web/share/models.py).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("web", "0008_lessons"),
    ]

    operations = [
        migrations.CreateModel(
            name="ShareLink",
            fields=[
                (
                    "id",
                    models.CharField(
                        editable=False, max_length=16, primary_key=True, serialize=False
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[("trace", "trace"), ("object", "object"), ("sandbox", "sandbox")],
                        max_length=8,
                    ),
                ),
                ("owner", models.CharField(db_index=True, max_length=64)),
                ("source_updated", models.DateTimeField()),
                ("trace_id", models.UUIDField(blank=True, null=True)),
                ("source_trace_id", models.UUIDField(blank=True, null=True)),
                ("bucket", models.TextField(blank=True, default="")),
                ("key", models.TextField(blank=True, default="")),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                ("expires", models.DateTimeField(blank=True, null=True)),
                (
                    "snapshot",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="shared_as",
                        to="web.sandbox",
                    ),
                ),
                (
                    "source",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="share_links",
                        to="web.sandbox",
                    ),
                ),
            ],
            options={
                "ordering": ("-created",),
                "indexes": (models.Index(fields=["source", "-created"], name="share_link_source"),),
            },
        ),
    ]
