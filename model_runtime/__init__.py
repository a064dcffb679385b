"""Local model runtime: GGUF models run through llama.cpp, streamed as typed events."""

from model_runtime.engine import Engine, GenerationLimits, Message, Mode
from model_runtime.errors import ContextOverflowError, ModelError, ModelFileError
from model_runtime.events import AnswerDelta, Event, ReasoningDelta, Usage

__all__ = [
    "AnswerDelta",
    "ContextOverflowError",
    "Engine",
    "Event",
    "GenerationLimits",
    "Message",
    "Mode",
    "ModelError",
    "ModelFileError",
    "ReasoningDelta",
    "Usage",
]
