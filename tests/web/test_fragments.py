"""A sandbox's version and its fragment cache: one helper for the bucket page's rows and
the audit log's view. A write moves the version at once, even for a sandbox object the
view loaded before the write."""

from __future__ import annotations

from typing import Any

from django.core.cache import caches

from simulator.web.fragments import fragment_cache_name, sandbox_version


def test_the_version_is_read_from_the_database_not_from_the_loaded_sandbox(lab: Any) -> None:
    before = sandbox_version(lab.sandbox)
    loaded_updated = lab.sandbox.updated

    lab.new_key()  # a KMS call: the row's updated moves; lab.sandbox is not reloaded

    after = sandbox_version(lab.sandbox)
    assert lab.sandbox.updated == loaded_updated
    assert before.updated is not None and after.updated is not None
    assert after.updated > before.updated
    assert after.key("kms-audit", 200) != before.key("kms-audit", 200)
    assert after.key("kms-audit", 200) == sandbox_version(lab.sandbox).key("kms-audit", 200)


def test_a_key_names_the_part_the_sandbox_its_version_and_what_varies(lab: Any) -> None:
    version = sandbox_version(lab.sandbox)

    key = version.key("kms-audit", 200, "digest")

    assert key == f"kms-audit:{lab.sandbox.pk}:{version.tag}:200:digest"
    assert version.updated is not None and version.tag == version.updated.isoformat()
    assert version.key("bucket-rows") != version.key("kms-audit")


def test_the_fragments_cache_when_the_site_has_one_else_the_default(settings: Any) -> None:
    assert "fragments" in settings.CACHES
    assert fragment_cache_name() == "fragments"

    settings.CACHES = {k: v for k, v in settings.CACHES.items() if k != "fragments"}

    assert fragment_cache_name() == "default"


def test_the_version_hands_out_its_cache(lab: Any) -> None:
    version = sandbox_version(lab.sandbox)

    assert version.cache_name == "fragments"
    assert version.cache is caches["fragments"]
    assert version.seconds > 0
