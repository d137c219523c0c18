"""SimplyPrint's side of the wire: its JSON shapes and its API endpoints with their validation."""
