"""Batched greedy and beam search with length normalisation (Wu et al., 2016), in numpy over
any Network (voice.mt.network): the ONNX one at run time, the PyTorch one in training.

Both may be given the placeholder token ids (voice.mt.placeholders): each is then written at
most as often as the source holds it, so a number is never repeated or invented ("Add 37
minutes to 37 minutes timer" from a small model's greedy search).
"""

from __future__ import annotations

import numpy as np

from voice.mt.network import Network, Shortlist, State
from voice.mt.tokenizer import BOS, EOS, PAD, UNK

_NEVER = [PAD, BOS, UNK]


def _limits(lengths: np.ndarray) -> np.ndarray:
    """Each sentence's own output length limit: a sentence decodes as it would alone, whatever
    its batch mates (a batch's longest source never lengthens a short one's search)."""
    return lengths * 2 + 10


def _select(state: State, rows: np.ndarray) -> State:
    """Reorder the batch dimension (dim 1) of each of a recurrent state's arrays."""
    return tuple(s[:, rows] for s in state)


def _strip(rows: np.ndarray) -> list[list[int]]:
    """Token ids up to the first EOS (all of a row cut off at its limit), without the leading
    BOS and the padding."""
    out = []
    for row in rows.tolist():
        row = row[1:]
        out.append([t for t in row[: row.index(EOS) if EOS in row else None] if t != PAD])
    return out


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


class _Budget:
    """How many more times each row may write each placeholder: as often as its source holds
    it, counted up to the first EOS (a post-editor's draft after it repeats the placeholders)."""

    def __init__(self, src: np.ndarray, placeholders: np.ndarray,
                 shortlist: Shortlist | None, rows_per_source: int = 1) -> None:
        columns = placeholders if shortlist is None else shortlist.column[placeholders]
        kept = columns >= 0  # one outside the shortlist cannot be written anyway
        self.ids, self.columns = placeholders[kept], columns[kept]
        in_source = np.cumsum(src == EOS, 1) == 0
        held = ((src[:, :, None] == self.ids) & in_source[:, :, None]).sum(1)
        self.left = np.repeat(held, rows_per_source, 0)

    def forbid_spent(self, logits: np.ndarray) -> None:
        """Set to -inf, in place, the logits (rows, columns) of the placeholders used up."""
        logits[:, self.columns] = np.where(self.left <= 0, -np.inf, logits[:, self.columns])

    def spend(self, step: np.ndarray, rows: np.ndarray | None = None) -> None:
        """Count the token ids just written, by the rows `rows` picked (beam search)."""
        left = self.left if rows is None else self.left[rows]
        self.left = left - (step[:, None] == self.ids)


def _budget(src: np.ndarray, placeholders: np.ndarray | None, shortlist: Shortlist | None,
            rows_per_source: int = 1) -> _Budget | None:
    return None if placeholders is None else _Budget(src, placeholders, shortlist,
                                                     rows_per_source)


def _ids(step: np.ndarray, shortlist: Shortlist | None) -> np.ndarray:
    """Token ids of chosen output columns (the same with the whole vocabulary)."""
    return step if shortlist is None else shortlist.ids[step]


def greedy(network: Network, src: np.ndarray, lengths: np.ndarray,
           shortlist: Shortlist | None = None, placeholders: np.ndarray | None = None
           ) -> list[list[int]]:
    encoded, state = network.encode(src, lengths, shortlist)
    budget = _budget(src, placeholders, shortlist)
    tokens = np.full((len(src), 1), BOS, dtype=np.int64)
    done = np.zeros(len(src), dtype=bool)
    limits = _limits(lengths)
    for t in range(int(limits.max())):
        logits, state = network.decode(tokens[:, -1], encoded, state)
        logits[:, _NEVER] = -np.inf
        if budget is not None:
            budget.forbid_spent(logits)
        step = np.where(done, PAD, _ids(logits.argmax(-1), shortlist))
        if budget is not None:
            budget.spend(step)
        tokens = np.concatenate([tokens, step[:, None]], 1)
        done |= (step == EOS) | (limits <= t + 1)
        if done.all():
            break
    return _strip(tokens)


def _penalty(length: np.ndarray, alpha: float) -> np.ndarray:
    return ((5 + length) / 6) ** alpha


def _settled(scores: np.ndarray, done: np.ndarray, length: np.ndarray,
             limits: np.ndarray, alpha: float) -> np.ndarray:
    """(batch,) True where a sentence has a finished row that no open row can overtake: an
    open row's log-probability only falls, so its best possible normalised score is its score
    now over the penalty of the sentence's longest allowed length."""
    finished = np.where(done, scores / _penalty(length, alpha), -np.inf).max(-1)
    hope = np.where(done, -np.inf, scores / _penalty(limits[:, None], alpha)).max(-1)
    return finished >= hope


def beam_search(network: Network, src: np.ndarray, lengths: np.ndarray, beam: int = 5,
                alpha: float = 0.6, shortlist: Shortlist | None = None,
                placeholders: np.ndarray | None = None) -> list[list[int]]:
    """The best hypothesis per sentence by log-probability / ((5 + length) / 6) ** alpha."""
    tokens, normalised = beam_hypotheses(network, src, lengths, beam, alpha, shortlist,
                                         placeholders)
    best = np.arange(len(src)) * beam + normalised.argmax(-1)
    return _strip(tokens[best])


def n_best(network: Network, src: np.ndarray, lengths: np.ndarray, beam: int = 5,
           alpha: float = 0.6, shortlist: Shortlist | None = None,
           placeholders: np.ndarray | None = None) -> list[list[tuple[list[int], float]]]:
    """Each sentence's beam rows that can win (finished ones, or the open ones where none
    finished) with their normalised scores, best first."""
    tokens, normalised = beam_hypotheses(network, src, lengths, beam, alpha, shortlist,
                                         placeholders)
    rows = _strip(tokens)
    out = []
    for i, scores in enumerate(normalised.tolist()):
        ranked = sorted((s, j) for j, s in enumerate(scores) if s > -np.inf)
        out.append([(rows[i * beam + j], s) for s, j in reversed(ranked)])
    return out


def beam_hypotheses(network: Network, src: np.ndarray, lengths: np.ndarray, beam: int,
                    alpha: float, shortlist: Shortlist | None,
                    placeholders: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Beam search: every row's tokens (batch * beam, steps) and normalised score (batch,
    beam), -inf for a cut-off row of a sentence where another row finished.

    Finished hypotheses stay in the beam, extended by PAD at no cost, so each sentence keeps
    exactly `beam` live rows and the whole batch moves in step. A sentence stops (all its rows
    carried over unchanged) once no open row could still beat its best finished one, or at its
    own length limit: its result is the one it gets decoded alone.
    """
    batch = len(src)
    encoded, state = network.encode(src, lengths, shortlist)
    encoded = encoded.repeat(beam)
    state = _select(state, np.repeat(np.arange(batch), beam))
    budget = _budget(src, placeholders, shortlist, beam)
    tokens = np.full((batch * beam, 1), BOS, dtype=np.int64)
    scores = np.full((batch, beam), -np.inf, dtype=np.float32)
    scores[:, 0] = 0.0  # all rows start identical: keep one
    done = np.zeros(batch * beam, dtype=bool)
    length = np.zeros(batch * beam, dtype=np.float32)
    limits = _limits(lengths)
    stopped = np.zeros(batch, dtype=bool)
    for t in range(int(limits.max())):
        logits, state = network.decode(tokens[:, -1], encoded, state)
        logp = _log_softmax(logits.astype(np.float32))
        logp[:, _NEVER] = -np.inf
        if budget is not None:
            budget.forbid_spent(logp)
        still = done | np.repeat(stopped, beam)  # rows carried over as they are
        logp[still] = -np.inf
        logp[still, PAD] = 0.0
        vocab = logp.shape[-1]
        total = (scores.reshape(-1, 1) + logp).reshape(batch, -1)
        index = _top(total, beam)
        top = np.take_along_axis(total, index, -1)
        rows = (np.arange(batch)[:, None] * beam + index // vocab).reshape(-1)
        step = _ids((index % vocab).reshape(-1), shortlist)
        tokens = np.concatenate([tokens[rows], step[:, None]], 1)
        state = _select(state, rows)
        if budget is not None:
            budget.spend(step, rows)
        length = length[rows] + ~still[rows]
        done = done[rows] | (step == EOS)
        scores = top
        stopped |= (limits <= t + 1) | _settled(scores, done.reshape(batch, beam),
                                                 length.reshape(batch, beam), limits, alpha)
        if stopped.all():
            break
    finished = done.reshape(batch, beam)
    normalised = scores / _penalty(length.reshape(batch, beam), alpha)
    # an open row is a cut-off sentence: it wins only where nothing finished
    return tokens, np.where(~finished & finished.any(-1, keepdims=True), -np.inf, normalised)


def _top(x: np.ndarray, k: int) -> np.ndarray:
    """Column indices of each row's k largest values, largest first (ties: lowest index
    first, as torch.topk on a CPU)."""
    part = np.argpartition(-x, k - 1, -1)[:, :k] if k < x.shape[-1] else \
        np.broadcast_to(np.arange(x.shape[-1]), x.shape)
    values = np.take_along_axis(x, part, -1)
    order = np.lexsort((part, -values), -1)
    return np.take_along_axis(part, order, -1)
