"""Who may do what: the custom permissions and the groups that bundle them, in one table.

Reading the mirror (API, page) needs a signed-in user; every action needs a Django permission.
The permissions are declared on the models (``Meta.permissions``); :data:`GRANTS` says which of
the shipped groups has each one. A new permission: declare it on its model, add one row here,
and add a migration that runs :func:`ensure_groups` (as ``0006_permissions_and_groups`` and
``0009_operator_actions`` do).
"""

from __future__ import annotations

from typing import Any

APP = "simpleprint"

VIEWER, OPERATOR, ADMINISTRATOR = "Viewer", "Operator", "Administrator"
GROUP_NAMES = (VIEWER, OPERATOR, ADMINISTRATOR)

#: Apply stored webhook events again (API, admin action).
REPROCESS_EVENTS = f"{APP}.reprocess_events"
#: Store and process a sample delivery (the debug panel's "Send").
INJECT_SAMPLES = f"{APP}.inject_samples"
#: Ask SimplyPrint for a test delivery (spends the shared API budget).
TEST_WEBHOOKS = f"{APP}.test_webhooks"
#: See every webhook registered at SimplyPrint (other integrations' URLs carry their own
#: tokens) and switch any of them on or off.
MANAGE_WEBHOOKS = f"{APP}.manage_webhooks"
#: Broadcast a ping to the open Planning pages and wait for their answers.
PING_PAGES = f"{APP}.ping_pages"
#: Act on printers through SimplyPrint: clear a bed, pause, resume, cancel, start a print.
OPERATE_PRINTERS = f"{APP}.operate_printers"
#: Act on SimplyPrint's queue: approve, deny, move, revive, remove items.
MANAGE_QUEUE = f"{APP}.manage_queue"

_EVERYONE = (VIEWER, OPERATOR, ADMINISTRATOR)
_OPERATORS = (OPERATOR, ADMINISTRATOR)

#: permission → the groups that have it.
GRANTS: dict[str, tuple[str, ...]] = {
    f"{APP}.view_printer": _EVERYONE,
    f"{APP}.view_printjob": _EVERYONE,
    f"{APP}.view_printqueue": _EVERYONE,
    f"{APP}.view_printerwebhookevent": _EVERYONE,
    f"{APP}.view_operatoraction": _EVERYONE,
    PING_PAGES: _OPERATORS,
    REPROCESS_EVENTS: _OPERATORS,
    INJECT_SAMPLES: _OPERATORS,
    TEST_WEBHOOKS: _OPERATORS,
    MANAGE_WEBHOOKS: (ADMINISTRATOR,),
    OPERATE_PRINTERS: _OPERATORS,
    MANAGE_QUEUE: _OPERATORS,
}

#: The page's names for the actions it shows or hides (``page_config["can"]``).
PAGE_ACTIONS = {
    "reprocessEvents": REPROCESS_EVENTS,
    "injectSamples": INJECT_SAMPLES,
    "testWebhooks": TEST_WEBHOOKS,
    "manageWebhooks": MANAGE_WEBHOOKS,
    "pingPages": PING_PAGES,
    # Each operator action belongs to one family (actions/registry.py ``ActionSpec.family``).
    "operatePrinters": OPERATE_PRINTERS,
    "manageQueue": MANAGE_QUEUE,
}


def allowed_actions(user: Any) -> dict[str, bool]:
    """For the page: which actions ``user`` may take."""
    return {name: bool(user.has_perm(permission)) for name, permission in PAGE_ACTIONS.items()}


def sees_every_webhook(user: Any) -> bool:
    """Other integrations' webhook URLs are shown only to staff with ``manage_webhooks``."""
    return bool(user.is_active and user.is_staff and user.has_perm(MANAGE_WEBHOOKS))


def ensure_groups(apps: Any, schema_editor: Any = None) -> None:
    """Create the groups and give each the permissions :data:`GRANTS` lists (never removes one).
    Run from migrations with their historical ``apps``: the permissions are created here when
    ``post_migrate`` has not created them yet (a fresh database). A permission of a model that
    does not exist yet at that migration is left to the later migration that adds the model
    (and runs this again)."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    content_type_model = apps.get_model("contenttypes", "ContentType")
    known: dict[str, tuple[str, str]] = {}  # codename → (model name, permission name)
    for model in apps.get_app_config(APP).get_models():
        opts = model._meta
        for action in opts.default_permissions:
            known[f"{action}_{opts.model_name}"] = (
                opts.model_name, f"Can {action} {opts.verbose_name_raw}")
        for codename, name in opts.permissions:
            known[codename] = (opts.model_name, name)
    for permission, groups in GRANTS.items():
        app_label, codename = permission.split(".", 1)
        if codename not in known:
            continue
        model_name, name = known[codename]
        content_type, _ = content_type_model.objects.get_or_create(app_label=app_label,
                                                                   model=model_name)
        row, _ = permission_model.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name})
        for group_name in groups:
            group_model.objects.get_or_create(name=group_name)[0].permissions.add(row)
