"""A mirror row read from the database is saved by writing the columns that changed
(``FitsColumns``): what an event did not touch is not written back, and no change is lost."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from apps.simpleprint.models import Printer, PrintJob

pytestmark = pytest.mark.django_db


@pytest.fixture
def printer() -> Iterator[Printer]:
    Printer.objects.create(sp_id=386, name="MK4 Bay A-2", state=Printer.State.OPERATIONAL)
    yield Printer.objects.get(sp_id=386)


def _updates(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]


def test_a_save_writes_the_changed_columns_and_the_json_ones(printer: Printer) -> None:
    printer.state = Printer.State.PRINTING
    with CaptureQueriesContext(connection) as queries:
        printer.save()
    [update] = _updates(queries)
    assert '"state"' in update and '"aspect_times"' in update
    assert '"name"' not in update and '"nozzle_size"' not in update
    assert Printer.objects.get(pk=printer.pk).state == Printer.State.PRINTING


def test_a_save_with_nothing_changed_writes_only_the_json_columns(printer: Printer) -> None:
    printer.name = "MK4 Bay A-2"  # the same value
    with CaptureQueriesContext(connection) as queries:
        printer.save()
    [update] = _updates(queries)
    written = update.split(" SET ", 1)[1].split(" WHERE ", 1)[0]
    assert sorted(part.split(" = ")[0] for part in written.split(", ")) == [
        '"aspect_times"', '"custom_tags"', '"material"', '"raw"']


def test_a_json_column_changed_in_place_is_written(printer: Printer) -> None:
    printer.aspect_times["job"] = [1_700_000_000, 2, 0]
    printer.save()
    assert Printer.objects.get(pk=printer.pk).aspect_times == {"job": [1_700_000_000, 2, 0]}


def test_a_column_set_back_after_a_save_is_written_again(printer: Printer) -> None:
    printer.name = "renamed"
    printer.save()
    printer.name = "MK4 Bay A-2"  # the value read first, no longer the stored one
    printer.save()
    assert Printer.objects.get(pk=printer.pk).name == "MK4 Bay A-2"


def test_a_column_written_by_someone_else_is_not_overwritten(printer: Printer) -> None:
    Printer.objects.filter(pk=printer.pk).update(nozzle_size=0.6)
    printer.state = Printer.State.PAUSED
    printer.save()
    stored = Printer.objects.get(pk=printer.pk)
    assert (stored.state, stored.nozzle_size) == (Printer.State.PAUSED, 0.6)


def test_a_refreshed_column_counts_as_stored(printer: Printer) -> None:
    Printer.objects.filter(pk=printer.pk).update(name="renamed elsewhere")
    printer.refresh_from_db(fields=["name"])
    printer.name = "MK4 Bay A-2"
    printer.save()
    assert Printer.objects.get(pk=printer.pk).name == "MK4 Bay A-2"


def test_an_auto_now_column_is_written_with_the_change(printer: Printer) -> None:
    PrintJob.objects.create(sp_id=552400, printer=printer)
    job = PrintJob.objects.get(sp_id=552400)
    before = job.updated_at
    job.status = "done"
    job.save()
    stored = PrintJob.objects.get(sp_id=552400)
    assert (stored.status, stored.updated_at > before) == ("done", True)


def test_saving_a_row_deleted_meanwhile_fails_as_django_does(printer: Printer) -> None:
    Printer.objects.filter(pk=printer.pk).delete()
    printer.state = Printer.State.PAUSED
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        printer.save()
