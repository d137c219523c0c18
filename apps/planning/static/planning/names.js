// Names, not ids: the server sends a names table with the snapshot (data.names) and changes to
// it as "names.updated" ({groups, models, tags, material_types, queue_groups}: {"<id>": name}).
// Cards, filters and queue restrictions ask here; an unknown id shows as "#id".
export const KINDS = ["groups", "models", "tags", "material_types", "queue_groups"];

export class Names {
  constructor() {
    this.tables = Object.fromEntries(KINDS.map((kind) => [kind, new Map()]));
  }

  /** Replaces every table (a snapshot); kinds missing from `names` become empty. */
  replace(names) {
    for (const kind of KINDS) this.tables[kind] = new Map();
    this.merge(names);
  }

  /** Adds or changes the names given (a "names.updated" message: only what changed). */
  merge(names) {
    for (const kind of KINDS) {
      for (const [id, name] of Object.entries(names?.[kind] || {})) {
        if (name === null || name === "") this.tables[kind].delete(String(id));
        else this.tables[kind].set(String(id), String(name));
      }
    }
  }

  /** The name of `id` in `kind`, or null when unknown. */
  find(kind, id) {
    if (id === null || id === undefined || id === "") return null;
    return this.tables[kind]?.get(String(id)) ?? null;
  }

  /** A printer's group or model name ("groups", "models"): the table's (it follows renames),
   * else the name the printer's own message carried (`group_name`, `model_name`), or null. */
  ofPrinter(kind, printer) {
    const field = kind === "groups" ? printer.group_name : printer.model_name;
    return this.find(kind, kind === "groups" ? printer.group_id : printer.model_id) || field || null;
  }

  /** The name of `id` in `kind`, or "#id". */
  label(kind, id) {
    return this.find(kind, id) ?? `#${id}`;
  }

  /** A material type: a name as sent ("PETG"), or an id resolved ("1" → "PLA"). */
  material(type) {
    if (type && typeof type === "object") return type.name || this.label("material_types", type.id);
    if (typeof type === "number" || /^\d+$/.test(String(type ?? ""))) return this.label("material_types", type);
    return String(type ?? "");
  }
}
