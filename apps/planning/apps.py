from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "apps.planning"
    label = "planning"
    verbose_name = "Planning V2"

    def ready(self) -> None:
        """"Start the next print" starts what the projection shows next for the printer: the
        page passes its choice to the SimplyPrint integration, which never imports the page."""
        from apps.simpleprint.actions import next_item

        from .selectors import next_item_for

        next_item.register(next_item_for)
