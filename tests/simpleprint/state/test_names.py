"""Names of SimplyPrint's ids (printer groups, models, custom tags, material types, queue groups)
for the page, from the API and from the events that carry them; and spools in the printer's
material (``filament.assigned`` / ``filament.unassigned``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from apps.simpleprint.live import outbox
from apps.simpleprint.models import NamedRef, Printer
from apps.simpleprint.remote.client import SimplePrintClient
from apps.simpleprint.state import names, printers
from apps.simpleprint.sync import modes
from apps.simpleprint.sync import polling as sync
from tests import payloads
from tests.simplyprint_sim import SimulatedSimplyPrint

pytestmark = pytest.mark.django_db(transaction=True)


def named(kind: str) -> dict[int, str]:
    return dict(NamedRef.objects.filter(kind=kind).values_list("sp_id", "name"))


def test_the_sync_names_groups_models_tags_and_queue_groups(
        sp_settings: Any, simplyprint: SimulatedSimplyPrint) -> None:
    with SimplePrintClient() as client:
        sync.full_sync(client, simplyprint.clock)
    assert named("groups") == {1: "Bay A", 2: "Bay B"}
    assert named("models") == {304: "MK4", 512: "X1 Carbon"}
    assert named("tags") == {1: "PLA only", 2: "Engineering", 3: "PETG only",
                             4: "Hardened nozzle", 5: "Priority"}
    assert named("queue_groups") == {1: "Production", 2: "Prototypes"}
    assert set(Printer.objects.values_list("group_name", flat=True)) == {"Bay A", "Bay B"}
    snapshot = outbox.snapshot()["data"]["names"]
    assert snapshot["groups"] == {"1": "Bay A", "2": "Bay B"}
    assert set(snapshot) == {"groups", "models", "tags", "material_types", "queue_groups"}


def test_a_renamed_group_is_announced_and_written_into_its_printers(
        sp_settings: Any, simplyprint: SimulatedSimplyPrint) -> None:
    with SimplePrintClient() as client:
        sync.full_sync(client, simplyprint.clock)
        simplyprint.sim.farm.groups[2] = "Bay B (resin)"
        latest = outbox.latest_seq()
        sync.sync_names(client, sync.SyncResult())
    messages = outbox.between(latest)
    assert messages[0]["type"] == "names.updated"
    assert messages[0]["data"] == {"groups": {"2": "Bay B (resin)"}}
    renamed = [m["data"]["sp_id"] for m in messages if m["type"] == "printer.updated"]
    assert sorted(renamed) == sorted(Printer.objects.filter(group_id=2)
                                     .values_list("sp_id", flat=True))
    assert set(Printer.objects.filter(group_id=2).values_list("group_name", flat=True)) == {
        "Bay B (resin)"}
    # Reading the same names again announces nothing.
    latest = outbox.latest_seq()
    with SimplePrintClient() as client:
        sync.sync_names(client, sync.SyncResult())
    assert outbox.latest_seq() == latest


def test_a_printer_in_an_unnamed_group_gets_its_name_at_the_next_tick(
        sp_settings: Any, simplyprint: SimulatedSimplyPrint, settings: Any) -> None:
    settings.PRINTFARM_SYNC = {**settings.PRINTFARM_SYNC, "connectivity_interval": 30.0}
    with SimplePrintClient() as client:
        sync.full_sync(client, simplyprint.clock)
        modes.load(simplyprint.now)
        assert sync.tick(client, simplyprint.clock) == "reconciled"
        NamedRef.objects.filter(kind="groups").delete()
        Printer.objects.update(group_name="")
        simplyprint.reset_stats()
        simplyprint.advance(30)  # names were read 30 s ago: a retry waits a little
        assert sync.tick(client, simplyprint.clock) == "read printers"
        assert simplyprint.requests_to("groups/Get") == {}
        simplyprint.advance(300)
        assert sync.tick(client, simplyprint.clock) == "read printers"
    assert simplyprint.requests_to("groups/Get") == {"200": 1}
    assert set(Printer.objects.values_list("group_name", flat=True)) == {"Bay A", "Bay B"}


def test_group_zero_is_no_group() -> None:
    row = payloads.printer_row(385)
    with transaction.atomic():
        names.remember({names.Kind.GROUPS: {99: "Bay A"}})
        printers.apply_poll_row(row, payloads.BASE_TS)
    assert Printer.objects.values_list("group_id", "group_name").get() == (99, "Bay A")
    row["printer"]["group"] = 0
    with transaction.atomic():
        printers.apply_poll_row(row, payloads.BASE_TS + 30)
    assert Printer.objects.values_list("group_id", "group_name").get() == (None, "")


def test_a_spool_shows_in_the_printers_material_and_leaves_it(
        deliver: Callable[..., list[int]], farm: payloads.FarmStory) -> None:
    spool = {"id": 55, "uid": "SP-FILA-000055", "type": {"id": 2, "name": "PETG"},
             "brand": "Prusament", "colorName": "Galaxy Black", "colorHex": "#1B1B1B"}
    deliver(farm.printer_event("printer.material_changed", 385, material=[
        {"ext": 0, "type": 1, "color": "White", "hex": "#FFFFFF"},
        {"ext": 1, "type": 1, "color": "Red", "hex": "#FF0000"}]))
    farm.tick()
    deliver(farm.printer_event("filament.assigned", 385, filament=spool, replaced_spool=None))
    assert Printer.objects.get(sp_id=385).material == [
        {"ext": 0, "type": 2, "color": "Galaxy Black", "hex": "#1B1B1B",
         "spool": {"id": 55, "uid": "SP-FILA-000055", "brand": "Prusament"}},
        {"ext": 1, "type": 1, "color": "Red", "hex": "#FF0000"}]
    assert named("material_types") == {2: "PETG"}
    farm.tick()
    deliver(farm.printer_event("filament.unassigned", 385, filament=spool))
    assert Printer.objects.get(sp_id=385).material[0] == {
        "ext": 0, "type": 2, "color": "Galaxy Black", "hex": "#1B1B1B"}


def test_an_assigned_spool_survives_the_next_poll(
        sp_settings: Any, simplyprint: SimulatedSimplyPrint) -> None:
    simplyprint.scenario("set_material", printer_id=1,
                         material=[{"ext": 0, "type": 2, "color": "Orange", "hex": "#FF7F00"}])
    simplyprint.scenario("assign_filament", printer_id=1)
    with SimplePrintClient() as client:
        sync.full_sync(client, simplyprint.clock)
        polled = Printer.objects.get(sp_id=1).material
        latest = outbox.latest_seq()
        simplyprint.advance(30)
        sync.read_printers(client, simplyprint.clock)
    assert polled[0]["type"] == 2 and polled[0]["spool"]["id"] is not None
    assert Printer.objects.get(sp_id=1).material == polled
    assert not [m for m in outbox.between(latest)
                if m["type"] == "printer.updated" and m["data"]["sp_id"] == 1
                and m["data"]["material"] != polled]
