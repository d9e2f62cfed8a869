from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "simulator.web"
    label = "web"
    verbose_name = "S3 Encryption Lab"
