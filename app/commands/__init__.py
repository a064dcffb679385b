"""One module per command group; `app.cli` registers them."""
