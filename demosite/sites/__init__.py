"""Page renderers, one module per demo site; ``routes`` wires them to URL paths."""
