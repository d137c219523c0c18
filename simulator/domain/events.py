"""The SimplyPrint webhook event catalogue (contract section 9.4): 62 events plus ``test``."""

from __future__ import annotations

JOB_EVENTS = (
    "job.started", "job.paused", "job.resumed", "job.cancelled", "job.done", "job.failed",
    "job.bed_cleared", "job.objects_skipped",
)
PRINTER_EVENTS = (
    "printer.autoprint_state_changed", "printer.nozzle_size_changed", "printer.material_changed",
    "printer.custom_tag_assigned", "printer.custom_tag_detached",
    "printer.out_of_order_state_changed", "printer.ai_state_changed",
    "printer.ai_failure_detected", "printer.ai_failure_false_positive",
    "printer.autoprint_max_cycles",
)
COMPANY_EVENTS = (
    "company.autoprint_state_changed", "organization.user_signup", "organization.user_pending",
)
QUEUE_EVENTS = (
    "queue.add_item", "queue.delete_item", "queue.empty_queue", "queue.move_item",
    "queue.revive_item", "queue.item_pending_approval", "queue.item_approved",
    "queue.item_denied",
)
FILAMENT_EVENTS = (
    "filament.create", "filament.update", "filament.delete", "filament.assigned",
    "filament.unassigned",
)
BALANCE_EVENTS = ("balance.charged", "balance.refunded", "balance.topped_up", "balance.adjusted")
QUOTA_EVENTS = ("quota.request_new", "quota.request_resolved", "quota.adjusted", "quota.reset")
MAINTENANCE_EVENTS = tuple(
    f"maintenance.{name}"
    for name in (
        "job_created", "job_updated", "job_started", "job_completed", "job_cancelled",
        "job_reopened", "job_overdue", "job_deleted", "problem_reported", "problem_resolved",
        "low_stock", "task_completed", "task_skipped", "schedule_created", "schedule_updated",
        "schedule_deleted", "spare_part_created", "spare_part_updated", "spare_part_deleted",
        "stock_adjusted",
    )
)

REAL_EVENTS: tuple[str, ...] = (
    JOB_EVENTS + PRINTER_EVENTS + COMPANY_EVENTS + QUEUE_EVENTS + FILAMENT_EVENTS
    + BALANCE_EVENTS + QUOTA_EVENTS + MAINTENANCE_EVENTS
)
ALL_EVENTS: frozenset[str] = frozenset((*REAL_EVENTS, "test"))

assert len(REAL_EVENTS) == 62 and len(ALL_EVENTS) == 63
