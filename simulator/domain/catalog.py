"""Static reference data of the simulated account: printer models, tags, materials, groups."""

from __future__ import annotations

from typing import Any

DONE_ITEM_TTL = 7 * 86400  # done queue items expire (leave the queue) after this long

MODELS: dict[int, dict[str, Any]] = {
    304: {"id": 304, "name": "MK4", "brand": "Prusa", "bedSize": [250, 210], "bedType": "square",
          "maxHeight": 220, "image": "https://simplyprint.io/img/printers/mk4.png",
          "hasHeatedBed": True, "extruders": 1, "maxToolTemp": 290, "maxBedTemp": 120,
          "filamentWidth": 1.75, "nozzleDia": 0.4},
    512: {"id": 512, "name": "X1 Carbon", "brand": "Bambu Lab", "bedSize": [256, 256],
          "bedType": "square", "maxHeight": 256, "image": "https://simplyprint.io/img/printers/x1c.png",
          "hasHeatedBed": True, "extruders": 1, "maxToolTemp": 300, "maxBedTemp": 110,
          "filamentWidth": 1.75, "nozzleDia": 0.4},
}
MODEL_SHORT = {304: "MK4", 512: "X1C"}
GROUP_MODELS = (304, 512, 304, 512)
CUSTOM_TAGS = {1: "PLA only", 2: "Engineering", 3: "PETG only", 4: "Hardened nozzle",
               5: "Priority"}
MATERIAL_TYPES = {1: "PLA", 2: "PETG", 3: "ABS", 4: "TPU"}
COLORS = (("Black", "#101010"), ("White", "#F5F5F5"), ("Orange", "#FF7F00"),
          ("Galaxy Blue", "#1F3A93"), ("Signal Red", "#C0392B"), ("Grey", "#808080"))
QUEUE_GROUPS = ({"id": 1, "name": "Production", "virtual": False,
                 "extensions": ["gcode", "bgcode", "3mf"], "sort_order": 1},
                {"id": 2, "name": "Prototypes", "virtual": False,
                 "extensions": ["gcode", "bgcode", "3mf", "stl"], "sort_order": 2})
