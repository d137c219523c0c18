"""Names of SimplyPrint's ids: the only writer of :class:`NamedRef` rows, and their reader.

The page shows printer groups, printer models, custom tags, material types and queue groups;
SimplyPrint's payloads mostly carry their ids. The sync fills the names from the API
(``groups/Get``, ``tags/Get``, ``queue/GetItems?groups``, the models in ``printers/Get``) and
events that carry a name add it (a job's ``printer.group``, a tag event's ``tag``, a spool's
``type``). A name that changes is announced to the pages (``names.updated``) and, for a printer
group, written into the printers of that group (``Printer.group_name``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..models import NamedRef, Printer
from . import changes
from .payload import as_dict, as_int

Kind = NamedRef.Kind


def pairs(rows: Iterable[Any], *, name_key: str = "name") -> dict[int, str]:
    """``{id: name}`` from SimplyPrint objects ``{id, name}`` (others skipped)."""
    found: dict[int, str] = {}
    for row in rows:
        row = as_dict(row)
        sp_id, name = as_int(row.get("id")), row.get(name_key)
        if sp_id is not None and isinstance(name, str) and name.strip():
            found[sp_id] = name.strip()
    return found


def remember(found: Mapping[str, Mapping[int, str]]) -> dict[str, dict[str, str]]:
    """Store every ``{kind: {id: name}}`` given; announce and return the ones that changed."""
    changed: dict[str, dict[str, str]] = {}
    for kind, names in found.items():
        if not names:
            continue
        known = dict(NamedRef.objects.filter(kind=kind, sp_id__in=list(names))
                     .values_list("sp_id", "name"))
        for sp_id, name in names.items():
            row = NamedRef(kind=kind, sp_id=sp_id, name=name)
            row.fit_to_columns()
            if known.get(sp_id) == row.name:
                continue
            NamedRef.objects.update_or_create(kind=kind, sp_id=sp_id,
                                              defaults={"name": row.name})
            changed.setdefault(kind, {})[str(sp_id)] = row.name
    changes.names_changed(changed)  # the pages learn a name before the rows that show it
    if Kind.GROUPS in changed:
        _rename_groups({int(k): v for k, v in changed[Kind.GROUPS].items()})
    return changed


def _rename_groups(names: dict[int, str]) -> None:
    for printer in Printer.objects.select_for_update().filter(group_id__in=list(names)):
        name = names[printer.group_id] if printer.group_id is not None else ""
        if printer.group_name != name:
            printer.group_name = name
            printer.save(update_fields=["group_name"])
            changes.changed(printer)


def name_of(kind: str, sp_id: int | None) -> str:
    if sp_id is None:
        return ""
    return NamedRef.objects.filter(kind=kind, sp_id=sp_id).values_list("name", flat=True) \
        .first() or ""


def known_ids(kind: str) -> set[int]:
    return set(NamedRef.objects.filter(kind=kind).values_list("sp_id", flat=True))


def all_names() -> dict[str, dict[str, str]]:
    """Every name, ``{kind: {"<id>": name}}``, each kind present (the snapshot's ``names``)."""
    names: dict[str, dict[str, str]] = {kind: {} for kind in Kind.values}
    for kind, sp_id, name in NamedRef.objects.values_list("kind", "sp_id", "name"):
        names.setdefault(kind, {})[str(sp_id)] = name
    return names
