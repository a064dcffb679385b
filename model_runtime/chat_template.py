"""Render a model's own chat template (from its GGUF) in a sandbox.

A chat template is Jinja code that arrived inside an untrusted model file, so it runs only in
`ImmutableSandboxedEnvironment`: no attribute tricks, no mutation of what we pass in; and
bounded in time and size (`model_runtime.template_sandbox`), checked when a model is
imported (`check_template`) so a hostile template is refused there, not at the first ask. Qwen3's
template takes `enable_thinking`; that switch is how thinking and fast modes differ in the
prompt. Reasoning is removed from earlier assistant turns before rendering, whatever the
template does, so it never goes back into history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import jinja2

from model_runtime.engine import Message
from model_runtime.template_sandbox import BoundedEnvironment, TemplateError, render_bounded

# Used when a model file has no template: plain ChatML, which the Qwen family speaks.
CHATML = (
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)
_CONTROL_MARKER = re.compile(r"<\|[^<>|\s]{1,64}\|>")
_THINK_BLOCK = re.compile(r"(?s)^.*?</think>\s*|^\s*<think>.*$")


def defuse_control_tokens(text: str) -> str:
    """Break `<|im_end|>`-style markers inside message text.

    The rendered prompt is tokenized with special tokens enabled (the template's own
    markers must become control tokens), so a document containing `<|im_start|>` could
    otherwise open a fake turn. A zero-width space after `<` keeps the text readable and
    makes it ordinary text to the tokenizer.
    """
    return _CONTROL_MARKER.sub(lambda m: "<\u200b" + m.group(0)[1:], text)


def strip_reasoning(messages: list[Message]) -> list[Message]:
    """Messages made safe to render: earlier assistant turns without their `<think>` blocks
    (reasoning is never history) and control-token markers defused in every text."""
    cleaned: list[Message] = []
    for message in messages:
        content = message["content"]
        if message["role"] == "assistant" and ("</think>" in content or "<think>" in content):
            content = _THINK_BLOCK.sub("", content, count=1)
        cleaned.append({"role": message["role"], "content": defuse_control_tokens(content)})
    return cleaned


def _raise(message: str) -> None:
    raise TemplateError(f"the model's chat template refused the conversation: {message}")


@dataclass(frozen=True)
class ChatTemplate:
    source: str
    bos_token: str = ""
    eos_token: str = ""

    @cached_property
    def _compiled(self) -> jinja2.Template:
        env = BoundedEnvironment(trim_blocks=True, lstrip_blocks=True)
        env.globals["raise_exception"] = _raise
        try:
            return env.from_string(self.source)
        except (jinja2.TemplateError, RecursionError, MemoryError) as exc:
            raise TemplateError(f"the model's chat template is not valid Jinja: {exc}") from exc

    @property
    def supports_thinking(self) -> bool:
        """Qwen3 hybrids switch on `enable_thinking`; 2507 thinking models always open a block."""
        return "enable_thinking" in self.source or self.opens_reasoning(enable_thinking=True)

    def render(self, messages: list[Message], enable_thinking: bool | None) -> str:
        variables: dict[str, object] = {
            "messages": strip_reasoning(messages),
            "add_generation_prompt": True,
            "bos_token": self.bos_token,
            "eos_token": self.eos_token,
        }
        if enable_thinking is not None:
            variables["enable_thinking"] = enable_thinking
        return render_bounded(self._compiled, variables)

    def opens_reasoning(self, enable_thinking: bool) -> bool:
        """True when the generation prompt itself ends inside an open `<think>` block."""
        probe: list[Message] = [{"role": "user", "content": "?"}]
        try:
            rendered = self.render(probe, enable_thinking).rstrip()
        except TemplateError:
            return False
        return rendered.endswith("<think>")


def check_template(source: str | None) -> None:
    """Refuse (one line, exit code 6) a template that cannot render a short conversation in
    time and size, in each thinking mode; a model without a template gets ChatML. A template
    that merely refuses this conversation (roles it does not take) is not refused here."""
    if not source:
        return
    template = ChatTemplate(source)
    probe: list[Message] = [
        {"role": "system", "content": "You answer from the sources."},
        {"role": "user", "content": "What were capital expenditures?"},
        {"role": "assistant", "content": "<think>\nLook.\n</think>\n\n412 [S1]"},
        {"role": "user", "content": "And revenue?"},
    ]
    for enable_thinking in (True, False, None):
        try:
            template.render(probe, enable_thinking)
        except TemplateError as exc:
            if exc.hostile:
                raise
