"""Errors raised by the model runtime; each carries a message fit to show a user."""


class ModelError(Exception):
    """A model could not be loaded or run."""


class ModelFileError(ModelError):
    """The model file is missing, unreadable, or not a GGUF llama.cpp can load."""


class SchemaError(ModelError):
    """A JSON schema llama.cpp cannot safely turn into a grammar (bad input, not a bad model)."""


class ContextOverflowError(ModelError):
    """The prompt plus the reserved answer does not fit the model's context window."""

    def __init__(self, prompt_tokens: int, reserved: int, context_length: int) -> None:
        self.prompt_tokens = prompt_tokens
        self.reserved = reserved
        self.context_length = context_length
        super().__init__(
            f"prompt of {prompt_tokens} tokens plus {reserved} reserved for the answer "
            f"exceeds the model context of {context_length} tokens"
        )
