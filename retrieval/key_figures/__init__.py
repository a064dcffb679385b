"""Key figures: the line items of a filing's primary statements, read as data at ingest."""
