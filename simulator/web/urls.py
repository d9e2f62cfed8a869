"""The lab's URLs. Each area of the lab keeps its own ``urls.py``; all share the ``web``
namespace so templates can say ``{% url 'web:trace' sandbox.pk trace.pk %}``.

Every page of a sandbox lives under ``/lab/<sandbox id>/`` and is served only to the
learner who owns that sandbox (``sandboxes.get_sandbox``).
"""

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from . import views
from .breakit import urls as breakit_urls
from .classroom import urls as classroom_urls
from .clients import urls as clients_urls
from .compare import urls as compare_urls
from .cse import urls as cse_urls
from .disk import urls as disk_urls
from .glossary import urls as glossary_urls
from .kms import urls as kms_urls
from .lab import urls as lab_urls
from .lessons import urls as lessons_urls
from .present import urls as present_urls
from .quiz import urls as quiz_urls
from .scenarios import urls as scenarios_urls
from .share import urls as share_urls
from .tracing import urls as tracing_urls

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    # The browser code's words (djangojs catalogues), before its modules: static/js/cse/messages.js.
    path("jsi18n/", JavaScriptCatalog.as_view(domain="djangojs"), name="jsi18n"),
    *lab_urls.urlpatterns,
    *tracing_urls.urlpatterns,
    *kms_urls.urlpatterns,
    *disk_urls.urlpatterns,
    *breakit_urls.urlpatterns,
    *compare_urls.urlpatterns,
    *cse_urls.urlpatterns,
    *quiz_urls.urlpatterns,
    *lessons_urls.urlpatterns,
    *present_urls.urlpatterns,
    *glossary_urls.urlpatterns,
    *classroom_urls.urlpatterns,
    *share_urls.urlpatterns,
    *scenarios_urls.urlpatterns,
    *clients_urls.urlpatterns,
]
