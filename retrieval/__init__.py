"""The catalogue (SQL, source of truth), the vector index, search and prompt assembly."""
