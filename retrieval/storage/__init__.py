"""Where the catalogue's database lives: its tables, the migrations that make them, the
repositories for chat history and summaries, the integrity check, and the translation of
database errors into ours. The only SQL outside it is `retrieval.catalogue`'s queries."""
