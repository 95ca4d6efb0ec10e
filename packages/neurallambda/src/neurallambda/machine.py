"""The differentiable reduction machine.

Memory is a tensor ``(B, N, 3, D)``: per program (B), per cell (N), the vectors of tag, col1 and
col2. Terms are laid out in pre-order (see :mod:`neurallambda.memory`), which makes one
normal-order step a fixed sequence of soft, parallel tensor operations:

1. **Decode.** Tags, primitives and de Bruijn indices are compared (cosine) with their codebook
   group and sharpened with a softmax (``sharpness``); integers and booleans only at the redex.
   Tags and indices are written back clean; other payload vectors are copied exactly.
2. **Structure.** Arity per cell, then the end of every sub-term from a prefix sum
   (a sub-term starting at ``p`` ends where the running ``sum(arity - 1)`` first drops below its
   value before ``p``), and the binder depth of every cell.
3. **Find the redex.** Redex patterns are local in pre-order (``App`` followed by ``Lam`` is a
   beta redex, ``App App + Int Int`` an addition, ...). The leftmost-outermost redex is the
   *first* cell matching a pattern: ``R = match * exclusive_cumprod(1 - match)``. ``1 - sum(R)``
   is the differentiable halting flag.
4. **Contract.** Every cell gets an output length (1 kept, 0 dropped, ``len(arg)`` for a variable
   being substituted); an exclusive prefix sum gives output offsets; each output cell gathers its
   source cell with a soft one-hot (``relu(1 - |src - q|)``, exact on integers), shifting and
   decrementing de Bruijn indices on the way. Delta rules replace one cell with a computed
   literal (operands decoded to numbers, combined, re-encoded with the same soft one-hot).
5. **Re-link.** Pointers (col1/col2 of App, Cons and Lam) are rewritten from the new structure,
   and the memory is assembled: every output vector is a short weighted sum of table rows
   (``_assemble``: dense products with a gradient, only the rows that matter without one).

Programs are independent along B; a program that is in normal form, or has failed (memory or
integer overflow), keeps its memory unchanged. With near-orthogonal vectors each step is an exact
simulation of :func:`neurallambda.reference.step`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from neurallambda.codebook import Codebook, SymbolGroups
from neurallambda.errors import (
    ConfigurationError,
    IntegerRangeError,
    NeurallambdaError,
    NoNormalFormError,
    ProgramTooLargeError,
    ReadBackError,
)
from neurallambda.memory import ARITY, TAGS, AddressMemory, from_memory, to_memory
from neurallambda.redex_rules import RULES, TAG, Cells, Redex, ahead
from neurallambda.reference import peak_size
from neurallambda.terms import Term, compile_text, show, size


@dataclass(frozen=True)
class MachineConfig:
    """Sizes and sharpness of a :class:`ReductionMachine`."""

    cells: int = 64
    vec_size: int = 512
    seed: int = 0
    int_range: tuple[int, int] = (-128, 128)
    sharpness: float = 100.0  # softmax inverse temperature for decoding cosine similarities
    max_similarity: float = 0.5  # codebook separation required (see Codebook)
    # Inverse temperature of the decoding's gradient (straight-through): forward values are
    # the sharpness-decoded ones, exactly; backward differentiates a softer decoding, whose
    # derivative is not flushed to zero by saturation. None: the plain sharpness softmax.
    gradient_sharpness: float | None = 5.0
    # How the machine reads integers, booleans and operators. "sharp": the sharpness softmax
    # over cosines, which rounds a superposition to its largest member. "linear": the
    # least-squares coefficients of the vector on the group's symbols (those below 1e-4
    # dropped, normalized), which read a stored mixture back as the same distribution, so that
    # a distribution computed by one step reaches the next unchanged, and an `if` whose
    # condition is uncertain waits for its branches' values (`redex_rules.if_pattern`); for
    # program learning (`neurallambda.learn`). Both are exact on clean memory.
    value_decoding: str = "sharp"


VALUE_DECODINGS = ("sharp", "linear")
MAX_CELLS = 4096  # beyond this a step is too slow and its memory too large to be worth running


def cells_needed(programs: Sequence[str | Term], max_steps: int = 100) -> int:
    """Memory cells enough for every program of ``programs`` through ``max_steps`` reductions:
    the reference interpreter's peak term size, rounded up to a multiple of 8 (at least 8).

    ``MachineConfig(cells=cells_needed(programs, steps))`` is the API form of ``--cells auto``.
    ProgramTooLargeError when that is more than ``MAX_CELLS``.
    """
    terms = [compile_text(p) if isinstance(p, str) else p for p in programs]
    peak = max((peak_size(term, max_steps) for term in terms), default=1)
    cells = max(8, -(-peak // 8) * 8)
    if cells > MAX_CELLS:
        raise ProgramTooLargeError(
            f"the program needs {peak} memory cells while it reduces, more than the "
            f"{MAX_CELLS} a machine may have"
        )
    return cells


@dataclass(frozen=True)
class MachineState:
    """Batched machine state; every field's first dimension is the batch.

    Attributes:
        memory: (B, N, 3, D) tag / col1 / col2 vectors.
        halted: (B,) ~1 once a step found no redex: the memory is in normal form.
        memory_overflow: (B,) ~1 if a step needed more cells than there are.
        int_overflow: (B,) ~1 if an arithmetic result left the integer range.
        steps: (B,) number of reductions performed.
    """

    memory: Tensor
    halted: Tensor
    memory_overflow: Tensor
    int_overflow: Tensor
    steps: Tensor

    @property
    def failed(self) -> Tensor:
        """(B,) ~1 for programs stopped by an overflow."""
        return torch.clamp(self.memory_overflow + self.int_overflow, 0, 1)

    @property
    def done(self) -> Tensor:
        """(B,) bool: halted or failed."""
        return (self.halted > 0.5) | (self.failed > 0.5)

    def rows(self, index: Tensor) -> MachineState:
        """The programs at ``index`` (a 1-D long tensor), as a batch of their own."""
        return MachineState(*(field[index] for field in _fields_of(self)))


def _merged(parts: list[tuple[Tensor, MachineState]]) -> MachineState:
    """One batch from parts that each hold some of its rows: (their row numbers, their state)."""
    if len(parts) == 1:  # all of it, in order
        return parts[0][1]
    order = torch.argsort(torch.cat([rows for rows, _ in parts]))
    columns = zip(*(_fields_of(state) for _, state in parts), strict=True)
    return MachineState(*(torch.cat(column)[order] for column in columns))


def _fields_of(state: MachineState) -> tuple[Tensor, ...]:
    """The state's fields in order, not copied (``dataclasses.astuple`` deep-copies)."""
    return tuple(getattr(state, f.name) for f in fields(state))


@dataclass(frozen=True)
class Outcome:
    """What the machine made of one program: a term, or the error that stopped it."""

    term: Term | None
    steps: int
    error: NeurallambdaError | None = None

    @property
    def ok(self) -> bool:
        """True when the program reached a normal form that read back cleanly."""
        return self.error is None

    @property
    def text(self) -> str:
        """The normal form as program text, or ``error: ...``."""
        return show(self.term) if self.term is not None else f"error: {self.error}"

    def unwrap(self) -> Term:
        """The term, or raise the error."""
        if self.error is not None:
            raise self.error
        assert self.term is not None
        return self.term


# --- small tensor helpers ------------------------------------------------------------------------


def _behind(x: Tensor, k: int) -> Tensor:
    """x[:, p - k] at position p (zeros before the start); x is (B, N)."""
    return F.pad(x[:, :-k], (k, 0)) if k else x


def _surrogate(exact: Tensor, smooth: Callable[[], Tensor], relaxed: bool) -> Tensor:
    """``exact``'s value with ``smooth()``'s gradient when ``relaxed`` (straight-through).

    The structural kernels are piecewise linear and evaluated at integers, where their
    derivative is zero or undefined: a step could not tell a gradient which way a position,
    a length or a choice should move. Their smooth surrogates can. Without a gradient to
    compute, nothing extra is.
    """
    if not (relaxed and exact.requires_grad):
        return exact
    surrogate = smooth()
    return exact + (surrogate - surrogate.detach())


def _tri(x: Tensor, relaxed: bool = False) -> Tensor:
    """Soft indicator of x == 0 for integer-valued x: 1 at 0, 0 at every other integer.

    Relaxed, its gradient is that of exp(-x**2), which still moves at x = +-1."""
    return _surrogate(torch.relu(1 - x.abs()), lambda: torch.exp(-(x**2)), relaxed)


def _step01(x: Tensor, relaxed: bool = False) -> Tensor:
    """Soft indicator of x >= 1 for integer-valued x: clamp(x, 0, 1).

    Relaxed, its gradient is that of sigmoid(4 (x - 1/2))."""
    return _surrogate(torch.clamp(x, 0, 1), lambda: torch.sigmoid(4 * (x - 0.5)), relaxed)


def _soft_onehot(position: Tensor, n: int, relaxed: bool = False) -> Tensor:
    """(...,) positions -> (..., n) soft one-hot over 0..n-1."""
    grid = torch.arange(n, device=position.device, dtype=position.dtype)
    return _tri(position.unsqueeze(-1) - grid, relaxed)


@dataclass(frozen=True)
class _Read:
    """One term of an output column: per cell, ``scale`` times the row of ``table`` at a soft
    ``position`` (``_soft_onehot(position) @ table``), or, with no position, ``scale`` (B, N, K)
    weighing every row (``scale @ table``)."""

    table: Tensor  # (K, D), or (B, K, D): each program's own rows
    scale: Tensor  # (B, N), or (B, N, K) without a position
    position: Tensor | None = None  # (B, N); an integer tensor is read exactly, one row


def _assemble(columns: Sequence[Sequence[_Read]], relaxed: bool = False) -> Tensor:
    """Memory (B, N, len(columns), D): each column the sum of its reads.

    A soft one-hot is non-zero at the two integers around its position at most, so without
    a gradient to compute every cell of every column is a short weighted sum of table rows,
    all of them one fused ``embedding_bag``: O(N D) per program instead of O(N^2 D), and no
    temporaries of the memory's size, which would be most of a step's time. With a gradient,
    the dense products, whose relaxed kernels carry it (``_soft_onehot``).
    """
    reads = [read for column in columns for read in column]
    if torch.is_grad_enabled() and any(
        t is not None and t.requires_grad
        for read in reads
        for t in (read.table, read.scale, read.position)
    ):
        return torch.stack([sum(_dense(r, relaxed) for r in column) for column in columns], 2)
    batch, n = reads[0].scale.shape[:2]
    tables, indices, weights, bags, first_row = [], [], [], [], 0
    cell_bag = torch.arange(batch * n, device=reads[0].scale.device).view(batch, n, 1)
    for c, column in enumerate(columns):
        for read in column:
            rows, index, weight = _rows_read(read)
            tables.append(rows)
            indices.append(index + first_row)
            weights.append(weight)
            bags.append((cell_bag * len(columns) + c).expand_as(index))
            first_row += len(rows)
    # cell by cell, column by column: each bag's terms together, as embedding_bag wants them
    weight = torch.cat(weights, -1).reshape(-1)
    # Terms this small change no float32 value they are added to (a row's entries are at
    # most 1): reading their rows would be most of the work (a near one-hot tag, a position
    # that is an integer).
    kept = weight.abs() > 1e-12
    counts = torch.bincount(
        torch.cat(bags, -1).reshape(-1)[kept], minlength=batch * n * len(columns)
    )
    table = torch.cat(tables)
    found = F.embedding_bag(
        torch.cat(indices, -1).reshape(-1)[kept],
        table,
        offsets=torch.cumsum(counts, 0) - counts,
        per_sample_weights=weight[kept].to(table.dtype),
        mode="sum",
    )
    return found.reshape(batch, n, len(columns), -1)


def _dense(read: _Read, relaxed: bool) -> Tensor:
    """A read as a product with its table, (B, N, D)."""
    if read.position is None:
        return read.scale @ read.table
    position = read.position.to(read.scale.dtype)
    found = _soft_onehot(position, read.table.shape[-2], relaxed) @ read.table
    return found * read.scale[..., None]


def _rows_read(read: _Read) -> tuple[Tensor, Tensor, Tensor]:
    """A read as (rows (R, D), index (B, N, E) into them, weight (B, N, E)): E = 2, the
    integers around the position; 1, an integer position; or every row of a table read
    without a position."""
    batch, n = read.scale.shape[:2]
    k = read.table.shape[-2]
    rows = read.table.reshape(-1, read.table.shape[-1])
    if read.position is None:
        index = torch.arange(k, device=rows.device).expand(batch, n, k)
        weight = read.scale
    elif not read.position.is_floating_point():
        valid = (read.position >= 0) & (read.position < k)
        index = torch.where(valid, read.position, 0)[..., None]
        weight = torch.where(valid, read.scale, 0)[..., None]
    else:
        low = read.position.floor()
        at = torch.stack([low, low + 1], dim=-1)  # (B, N, 2)
        high = (read.position - low)[..., None]
        valid = (at >= 0) & (at < k)
        index = torch.where(valid, at, 0).long()
        weight = torch.where(valid, torch.cat([1 - high, high], -1), 0) * read.scale[..., None]
    if read.table.dim() == 3:  # row j of program b is row b * k + j of the flattened table
        index = index + k * torch.arange(batch, device=rows.device)[:, None, None]
    return rows, index, weight


@dataclass(frozen=True)
class _Structure:
    """Tree structure of a pre-order memory, all soft: computed from tag weights."""

    end: Tensor  # (B, N) address of the last cell of the sub-term starting at p
    inside: Tensor  # (B, N, N) [p, j] = 1 if j lies in the sub-term starting at p
    depth: Tensor  # (B, N) number of Lam cells enclosing p


def _structure(tag_w: Tensor, relaxed: bool = False) -> _Structure:
    """Sub-term ends and binder depths from tag weights (B, N, n_tags)."""
    arity_table = tag_w.new_tensor([ARITY.get(t, 0) for t in TAGS])
    arity = tag_w @ arity_table  # (B, N)
    n = arity.shape[1]
    pos = torch.arange(n, device=tag_w.device, dtype=tag_w.dtype)
    running = torch.cumsum(arity - 1, dim=1)  # (B, N)
    before = running - (arity - 1)  # running sum just before p
    after_start = (pos[None, :] >= pos[:, None]).to(tag_w.dtype)  # (N, N) [p, q]: q >= p
    below = _step01(before[:, :, None] - running[:, None, :], relaxed) * after_start
    reached = torch.cummax(below, dim=2).values
    first = reached - F.pad(reached[:, :, :-1], (1, 0))
    end = first @ pos  # (B, N)
    inside = after_start * _step01(end[:, :, None] - pos[None, None, :] + 1, relaxed)
    is_lam = tag_w[..., TAG["Lam"]]
    strictly_after = (pos[None, :] > pos[:, None]).to(tag_w.dtype)
    depth = torch.einsum("bp,bpj->bj", is_lam, inside * strictly_after)
    return _Structure(end=end, inside=inside, depth=depth)


# --- the machine ---------------------------------------------------------------------------------


class ReductionMachine(nn.Module):
    """Batched, differentiable normal-order reduction over address memory.

    Example:
        >>> machine = ReductionMachine(MachineConfig(cells=16, vec_size=256))
        >>> [o.text for o in machine.evaluate(["((fn [x] x) 42)", "(+ 1 2)"])]
        ['42', '3']
    """

    def __init__(self, config: MachineConfig | None = None, codebook: Codebook | None = None):
        super().__init__()
        self.config = config or MachineConfig()
        self.codebook = codebook or Codebook(
            cells=self.config.cells,
            vec_size=self.config.vec_size,
            seed=self.config.seed,
            int_range=self.config.int_range,
            max_similarity=self.config.max_similarity,
        )
        if self.config.value_decoding not in VALUE_DECODINGS:
            raise ConfigurationError(
                f"value_decoding must be one of {', '.join(VALUE_DECODINGS)}, "
                f"got {self.config.value_decoding!r}"
            )
        ints = self.config.int_range[1] - self.config.int_range[0] + 1
        if self.config.value_decoding == "linear" and ints > self.config.vec_size:
            raise ConfigurationError(
                f"value_decoding 'linear' needs vec_size >= the {ints} integers of int_range, "
                f"got {self.config.vec_size}"
            )
        if self.codebook.cells != self.config.cells:
            raise ConfigurationError(
                f"codebook has {self.codebook.cells} cells, config {self.config.cells}"
            )

    @property
    def _relaxed(self) -> bool:
        """Whether gradients take the relaxation's smooth surrogates (forward values never do)."""
        return self.config.gradient_sharpness is not None

    # --- compile and read back -------------------------------------------------------------------

    def compile(
        self,
        programs: Sequence[str | Term],
        *,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> MachineState:
        """Parse (if text), lay out and project programs into a fresh batched state.

        The state lives on ``device`` with ``dtype`` (default: the codebook's, CPU float32);
        every later step follows the memory tensor's device and dtype.
        """
        terms = [compile_text(p) if isinstance(p, str) else p for p in programs]
        memories = []
        for i, term in enumerate(terms):
            try:
                memories.append(to_memory(term, self.config.cells))
            except ProgramTooLargeError:
                raise ProgramTooLargeError(
                    f"program {i} needs {size(term)} memory cells to start, more than the "
                    f"{self.config.cells} available (--cells auto sizes the memory)"
                ) from None
        return self.initial_state(self.codebook.encode(memories).to(device=device, dtype=dtype))

    def initial_state(self, memory: Tensor) -> MachineState:
        """Wrap a (B, N, 3, D) memory tensor as a state that has taken no steps."""
        if memory.dim() != 4 or memory.shape[1:] != (self.config.cells, 3, self.codebook.vec_size):
            raise ValueError(
                f"memory must be (batch, {self.config.cells}, 3, {self.codebook.vec_size}), "
                f"got {tuple(memory.shape)}"
            )
        zeros = memory.new_zeros(memory.shape[0])
        return MachineState(memory, zeros, zeros, zeros, zeros)

    def decode(self, state: MachineState) -> list[AddressMemory]:
        """The symbolic address memory of each program."""
        return self.codebook.decode(state.memory)

    def read_back(self, state: MachineState, max_steps: int | None = None) -> list[Outcome]:
        """One :class:`Outcome` per program: its term, or why there is none.

        A program that neither halted nor failed gets :class:`NoNormalFormError`: an unfinished
        memory is never passed off as a result.
        """
        outcomes = []
        budget = f"{max_steps} steps" if max_steps is not None else "the steps taken"
        for b, memory in enumerate(self.decode(state)):
            steps = round(state.steps[b].item())
            error: NeurallambdaError | None = None
            term: Term | None = None
            if state.memory_overflow[b] > 0.5:
                error = ProgramTooLargeError(
                    f"program {b}: step {steps + 1} needs more than {self.config.cells} cells"
                )
            elif state.int_overflow[b] > 0.5:
                error = IntegerRangeError(
                    f"program {b}: step {steps + 1} computes an integer outside "
                    f"{list(self.config.int_range)}"
                )
            elif state.halted[b] <= 0.5:
                error = NoNormalFormError(f"program {b}: no normal form within {budget}")
            else:
                try:
                    term = from_memory(memory)
                except ReadBackError as exc:
                    error = ReadBackError(f"program {b}: corrupt memory: {exc}")
            outcomes.append(Outcome(term, steps, error))
        return outcomes

    # --- running ---------------------------------------------------------------------------------

    def run(
        self,
        state: MachineState,
        max_steps: int = 100,
        *,
        on_step: Callable[[MachineState], None] | None = None,
    ) -> MachineState:
        """Step until every program halts or fails, performing at most ``max_steps`` reductions.

        ``on_step``, if given, is called with the state after every step that leaves some
        program still running (``neurallambda run --trace`` prints the memory there).

        Without gradients, a program that halts or fails leaves the batch that steps (its
        memory would not change: stepping it only costs time, and a batch then runs as fast as
        its programs run alone); with gradients every program steps to the end, so that a softly
        halted one keeps its share of the last reduction.
        """
        compact = not torch.is_grad_enabled()
        finished: list[tuple[Tensor, MachineState]] = []  # (their rows in `state`, final state)
        running = torch.arange(len(state.steps), device=state.steps.device)  # rows of `active`
        active = state
        for _ in range(max_steps):
            active = self.step(active)
            done = active.done
            if bool(done.all()):
                return _merged([*finished, (running, active)])
            if compact and bool(done.any()):  # set the finished aside, step on without them
                stop, going = done.nonzero().squeeze(1), (~done).nonzero().squeeze(1)
                finished.append((running[stop], active.rows(stop)))
                running, active = running[going], active.rows(going)
            if on_step is not None:
                on_step(_merged([*finished, (running, active)]))
        # only detect whether the last reduct is normal
        return self.step(_merged([*finished, (running, active)]), reduce=False)

    def evaluate(self, programs: Sequence[str | Term], max_steps: int = 100) -> list[Outcome]:
        """Compile, run and read back in one call."""
        return self.read_back(self.run(self.compile(programs), max_steps), max_steps)

    def step(self, state: MachineState, *, reduce: bool = True) -> MachineState:
        """One normal-order reduction step for every program in the batch.

        With ``reduce=False`` only the redex search runs (updating ``halted``); memory is kept.
        """
        memory = state.memory
        groups = self.codebook.groups(memory)
        tag_w, payload, numbers = self._decode(memory, groups)
        redex, kinds = self._find_redex(tag_w, numbers)
        halted = 1 - redex.sum(dim=1)  # (B,)
        if not reduce:
            return MachineState(
                memory, halted, state.memory_overflow, state.int_overflow, state.steps
            )
        out_tag_w, out_payload, new_index, length, int_overflow = self._contract(
            tag_w, payload, numbers, _structure(tag_w, self._relaxed), redex, kinds, groups
        )
        memory_overflow = _step01(length - self.config.cells, self._relaxed) * (1 - halted)
        new_memory = self._relink(out_tag_w, out_payload, new_index, groups)
        failed = state.failed
        active = (1 - failed) * (1 - memory_overflow) * (1 - int_overflow)
        frozen = active < 0.5  # failed programs keep their memory (the flags stay soft)
        if bool(frozen.any()):
            new_memory = torch.where(frozen[:, None, None, None], memory, new_memory)
        return MachineState(
            memory=new_memory,
            halted=halted,
            memory_overflow=torch.clamp(
                state.memory_overflow + memory_overflow * (1 - failed), 0, 1
            ),
            int_overflow=torch.clamp(state.int_overflow + int_overflow * (1 - failed), 0, 1),
            steps=state.steps + active * (1 - halted),
        )

    # --- the parts of a step ---------------------------------------------------------------------

    def _weights(self, vectors: Tensor, book: Tensor) -> Tensor:
        """Sharpened softmax over cosine similarities: (..., D) x (K, D) -> (..., K).

        With ``gradient_sharpness`` the value is unchanged (the added term is exactly zero) and
        the gradient is the softer softmax's: a straight-through relaxation of decoding.
        """
        norm = vectors.norm(dim=-1, keepdim=True).clamp_min(1e-12)
        cosine = (vectors @ book.T) / norm
        weights = torch.softmax(self.config.sharpness * cosine, dim=-1)
        if self.config.gradient_sharpness is None or not weights.requires_grad:
            return weights
        soft = torch.softmax(self.config.gradient_sharpness * cosine, dim=-1)
        return weights + (soft - soft.detach())

    def _weights_where(self, vectors: Tensor, book: Tensor, needed: Tensor) -> Tensor:
        """:meth:`_weights` of the vectors (B, N, D) whose weight ``needed`` (B, N) is not
        negligible, zeros elsewhere, without a gradient to compute; with one, of all.

        Only Prim and Var cells are read against primitives and indices, and most cells are
        neither (most are Empty): comparing the others would be a step's largest product.
        """
        if torch.is_grad_enabled() and vectors.requires_grad:
            return self._weights(vectors, book)
        rows = (needed.reshape(-1) > 1e-12).nonzero().squeeze(1)
        weights = vectors.new_zeros(needed.numel(), book.shape[0])
        weights[rows] = self._weights(vectors.reshape(-1, vectors.shape[-1])[rows], book)
        return weights.view(*needed.shape, book.shape[0])

    def decode_values(self, vectors: Tensor, book: Tensor) -> Tensor:
        """Integer or boolean vectors as distributions over ``book``'s symbols, (..., D) x
        (K, D) -> (..., K), as ``MachineConfig.value_decoding`` says (see there)."""
        if self.config.value_decoding == "sharp":
            return self._weights(vectors, book)
        gram = book @ book.T  # least squares: coefficients c with c @ book closest to vectors
        coefficients = torch.linalg.solve(gram, book @ vectors.unsqueeze(-1)).squeeze(-1)
        # a symbol read at ~1e-6 is float rounding, not a member of a superposition: left in,
        # it would leak a trace of every other rule into each step, and traces add up
        positive = torch.where(coefficients > 1e-4, coefficients, 0)
        return positive / positive.sum(-1, keepdim=True).clamp_min(1e-12)

    def _decode(
        self, memory: Tensor, groups: SymbolGroups
    ) -> tuple[Tensor, Tensor, dict[str, Tensor]]:
        """Tag weights (B, N, T), payload vectors to copy (B, N, D), decoded numbers.

        Tags, primitives and de Bruijn indices are decoded everywhere (the redex search and
        substitution need them); integers and booleans only at the redex, by :meth:`_weights`
        on the gathered vector. Payload vectors are copied, not re-projected: with
        near-orthogonal symbols every gather is exact, so nothing drifts.
        """
        tag_w = self._weights(memory[:, :, 0], groups.tags)
        col1 = memory[:, :, 1]
        n_prims = groups.prims.shape[0]
        is_prim = tag_w[..., TAG["Prim"], None]
        w = self._weights_where(
            col1,
            torch.cat([groups.prims, groups.indices]),
            is_prim[..., 0] + tag_w[..., TAG["Var"]],
        )
        is_pair = tag_w[..., TAG["App"], None] + tag_w[..., TAG["Cons"], None]
        index_values = torch.arange(
            groups.indices.shape[0], device=memory.device, dtype=memory.dtype
        )
        numbers = {
            "index": w[..., n_prims:] @ index_values,  # (B, N) de Bruijn index of Var cells
            "prims": w[..., :n_prims] * is_prim,  # (B, N, P), zero unless Prim
        }
        if self.config.value_decoding == "linear":  # operators and conditions may be superposed
            numbers["prims"] = self.decode_values(col1, groups.prims) * is_prim
            numbers["truth"] = self.decode_values(col1, groups.bools)[..., 1]
        return tag_w, col1 * (1 - is_pair), numbers

    def _find_redex(self, tag_w: Tensor, numbers: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
        """One-hot (B, N) of the leftmost-outermost redex and its kind weights (B, n_kinds):
        the first cell where any rule's pattern (RULES, `neurallambda.redex_rules`) matches."""
        cells = Cells(tag_w, numbers["prims"], numbers.get("truth"))
        patterns = torch.stack([rule.pattern(cells) for rule in RULES], dim=-1)  # (B, N, kinds)
        match = torch.clamp(patterns.sum(-1), 0, 1)
        none_before = torch.cumprod(F.pad(1 - match, (1, 0), value=1.0)[:, :-1], dim=1)
        redex = match * none_before
        kinds = torch.einsum("bn,bnk->bk", redex, patterns)
        return redex, kinds

    def _contract(
        self,
        tag_w: Tensor,
        payload: Tensor,
        numbers: dict[str, Tensor],
        st: _Structure,
        redex: Tensor,
        kinds: Tensor,
        groups: SymbolGroups,
    ) -> tuple[Tensor, list[_Read], Tensor, Tensor, Tensor]:
        """Rewrite the redex. Returns output tag weights (B, N, T), the reads that make the
        payload vectors (B, N, D),
        de Bruijn indices (B, N), total length (B,) and the integer overflow flag (B,)."""
        n = redex.shape[1]
        pos = torch.arange(n, device=redex.device, dtype=redex.dtype)
        at = {k: _behind(redex, k) for k in range(6)}  # one-hot of cell r + k
        sub = {k: torch.einsum("bp,bpj->bj", at[k], st.inside) for k in (0, 1, 2, 3, 5)}

        def value_at(k: int, x: Tensor) -> Tensor:  # x[r + k], (B, 1)
            return (at[k] * x).sum(1, keepdim=True)

        # the redex's last argument: what follows the fn part sub(1) up to the end of the redex
        arg = sub[0] - at[0] - sub[1]  # beta: the argument (the body is sub(2)); if: the else
        arg_len = arg.sum(1, keepdim=True)
        arg_start = value_at(1, st.end) + 1
        index = numbers["index"]
        relaxed = self._relaxed
        site = Redex(
            at=at, sub=sub, arg=arg, is_var=tag_w[..., TAG["Var"]], index=index,
            rel_depth=st.depth - value_at(2, st.depth),  # binder depth inside the body
            payload=payload, prims=numbers["prims"], groups=groups,
            int_range=self.config.int_range, decode=self.decode_values,
            tri=lambda x: _tri(x, relaxed), step01=lambda x: _step01(x, relaxed),
        )  # fmt: skip
        rewrites = [rule.rewrite(site, kinds[:, i : i + 1]) for i, rule in enumerate(RULES)]

        def total(field: str, like: Tensor) -> Tensor:  # the kinds' shares of one field, summed
            shares = [getattr(w, field) for w in rewrites if getattr(w, field) is not None]
            return sum(shares, torch.zeros_like(like))

        valid = 1 - tag_w[..., TAG["Empty"]]
        keep = (1 - sub[0]) * valid + total("keep", redex)  # outside the redex: unchanged
        expand, decrement = total("expand", redex), total("decrement", redex)
        replaced = total("literal_at", redex)
        rep_tag = total("literal_tag", tag_w[:, 0])
        rep_vector = total("literal_vector", payload[:, 0])
        int_overflow = torch.clamp(total("int_overflow", redex[:, 0]), 0, 1)
        arg_depth = st.depth - value_at(0, st.depth)  # arg sits at the redex's depth
        free_in_arg = _step01(index - arg_depth + 1, relaxed)  # index >= depth inside the arg
        length = keep + expand * arg_len  # (B, N) output cells per source cell
        offset = torch.cumsum(length, 1) - length
        # cover[o, j]: output cell o comes from source cell j
        o = pos[None, :, None]
        cover = _step01(o - offset[:, None, :] + 1, relaxed) * _step01(
            offset[:, None, :] + length[:, None, :] - o, relaxed
        )

        def spread(x: Tensor) -> Tensor:  # per-source numbers to output cells
            return torch.einsum("boj,bj->bo", cover, x)

        expanded = spread(expand)
        source = spread(pos + expand * (arg_start - pos - offset)) + expanded * pos
        shift_by = spread(expand * site.rel_depth)
        replaced = spread(replaced)
        present = cover.sum(-1)  # (B, N) 1 for o < total
        gather = _soft_onehot(source, n, relaxed) * present[..., None]  # (B, N_out, N_src)

        def pick(x: Tensor) -> Tensor:  # per-source numbers at each output cell
            return torch.einsum("boq,bq->bo", gather, x)

        new_index = pick(index) - spread(decrement) + expanded * pick(free_in_arg) * shift_by
        out_tag = gather @ tag_w
        out_tag = out_tag + replaced[..., None] * (rep_tag[:, None, :] - out_tag)
        empty = torch.zeros_like(rep_tag[0])
        empty[TAG["Empty"]] = 1
        out_tag = out_tag + (1 - present[..., None]) * empty
        keep_copy = 1 - out_tag[..., TAG["Var"]] - replaced  # Var cells get re-encoded indices
        payload_reads = [  # the copied payloads, and the literal
            _Read(payload, present * keep_copy, source),
            _Read(rep_vector[:, None, :], replaced, torch.zeros_like(replaced, dtype=torch.long)),
        ]
        return out_tag, payload_reads, new_index, length.sum(1), int_overflow

    def _relink(
        self, tag_w: Tensor, payload: list[_Read], index: Tensor, groups: SymbolGroups
    ) -> Tensor:
        """Assemble (B, N, 3, D) memory: tag vectors, payloads, de Bruijn indices, and the
        pointers of App / Cons / Lam cells recomputed from the new structure."""
        st = _structure(tag_w, self._relaxed)
        addresses = groups.addresses
        next_cell = torch.arange(1, tag_w.shape[1] + 1, device=index.device)
        next_cell = next_cell.expand_as(index)  # first child (App, Cons) or body (Lam)
        is_pair = tag_w[..., TAG["App"]] + tag_w[..., TAG["Cons"]]
        col1 = [
            *payload,
            _Read(addresses, is_pair, next_cell),
            _Read(groups.indices, tag_w[..., TAG["Var"]], index),
        ]
        col2 = [
            _Read(addresses, tag_w[..., TAG["Lam"]], next_cell),
            _Read(addresses, is_pair, ahead(st.end, 1) + 1),  # the second child: arg / tail
        ]
        return _assemble([[_Read(groups.tags, tag_w)], col1, col2], self._relaxed)
