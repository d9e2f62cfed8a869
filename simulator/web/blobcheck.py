"""Blob files and the records that name them, checked against each other.

Blob files cannot take part in a database transaction, so the lab keeps them in step by
hand (``store.ORMStore``): written before the commit, old ones deleted after it, new
ones removed on a rollback. Only a process killed half-way can leave them out of step:
a file that no record names (an upload cut off mid-body, or a deletion that never ran),
or, if storage lost a file, a record whose blob is missing. ``check`` finds both, and
``repair`` puts them right: it deletes the unnamed files and forgets the objects whose
bytes are gone (they can never be read again).

A file younger than ``grace`` is left alone: it may belong to a request still running,
whose record is not committed yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files.storage import Storage, default_storage
from django.utils import timezone

from simulator.engine.hosting import blob_ids

from .models import Record, Sandbox
from .store import BLOB_ROOT, ORMStore, blob_prefix

DEFAULT_GRACE = timedelta(minutes=15)


@dataclass
class Report:
    # (sandbox id, blob file name) of files no record names
    orphans: list[tuple[str, str]] = field(default_factory=list)
    # (sandbox id, object id) of objects whose blob file is missing
    missing: list[tuple[str, str]] = field(default_factory=list)
    # folders of sandboxes that no longer exist
    stray_folders: list[str] = field(default_factory=list)
    repaired: bool = False

    @property
    def clean(self) -> bool:
        return not (self.orphans or self.missing or self.stray_folders)


def _stored_files(record: dict[str, object]) -> list[str]:
    """The blob files an object record reads: its parts' if it has parts, else its own."""
    ids = blob_ids(record)
    return ids[1:] if len(ids) > 1 else ids


def _named(sandbox: Sandbox) -> tuple[set[str], dict[str, str]]:
    """Blob names the sandbox's records use, and which object reads each file."""
    names: set[str] = set()
    readers: dict[str, str] = {}
    for kind, rid, data in Record.objects.filter(
        sandbox=sandbox, kind__in=("object", "part")
    ).values_list("kind", "rid", "data"):
        if not isinstance(data, dict) or "blob_id" not in data:
            continue
        files = _stored_files(data) if kind == "object" else [data["blob_id"]]
        names.update(files)
        if kind == "object":
            for name in files:
                readers[name] = rid
    return names, readers


def _old_enough(storage: Storage, name: str, grace: timedelta) -> bool:
    try:
        modified = storage.get_modified_time(name)
    except (OSError, NotImplementedError):
        return True
    return timezone.now() - modified >= grace


def check(
    *, repair: bool = False, grace: timedelta = DEFAULT_GRACE, storage: Storage | None = None
) -> Report:
    storage = storage or default_storage
    report = Report(repaired=repair)
    known = set()
    for sandbox in Sandbox.objects.all().iterator():
        known.add(str(sandbox.pk))
        prefix = blob_prefix(sandbox.pk)
        files = ORMStore(sandbox, storage).blob_names()
        named, readers = _named(sandbox)
        for name in sorted(set(files) - named):
            if _old_enough(storage, prefix + name, grace):
                report.orphans.append((str(sandbox.pk), name))
                if repair:
                    storage.delete(prefix + name)
        lost = {readers[name] for name in named - set(files) if name in readers}
        for object_id in sorted(lost):
            report.missing.append((str(sandbox.pk), object_id))
            if repair:
                Record.objects.filter(sandbox=sandbox, kind="object", rid=object_id).delete()
    try:
        folders, _ = storage.listdir(BLOB_ROOT)
    except FileNotFoundError:
        folders = []
    for folder in sorted(set(folders) - known):
        path = f"{BLOB_ROOT}/{folder}"
        try:
            _, files = storage.listdir(path)
        except FileNotFoundError:
            continue
        if files and not all(_old_enough(storage, f"{path}/{name}", grace) for name in files):
            continue
        report.stray_folders.append(folder)
        if repair:
            for name in files:
                storage.delete(f"{path}/{name}")
    return report
