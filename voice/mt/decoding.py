"""Batched greedy and beam search with length normalisation (Wu et al., 2016).

Both may be given the placeholder token ids (voice.mt.placeholders): each is then written at
most as often as the source holds it, so a number is never repeated or invented ("Add 37
minutes to 37 minutes timer" from a small model's greedy search).
"""

from __future__ import annotations

import torch

from voice.mt.model import Seq2Seq, Shortlist
from voice.mt.tokenizer import BOS, EOS, PAD, UNK

_NEVER = (PAD, BOS, UNK)


def _limits(lengths: torch.Tensor) -> torch.Tensor:
    """Each sentence's own output length limit: a sentence decodes as it would alone, whatever
    its batch mates (a batch's longest source never lengthens a short one's search)."""
    return lengths * 2 + 10


def _select(state, index: torch.Tensor):
    """Reorder the batch dimension (dim 1) of a GRU state or an LSTM (h, c) pair."""
    if isinstance(state, tuple):
        return tuple(s.index_select(1, index) for s in state)
    return state.index_select(1, index)


def _strip(rows: torch.Tensor) -> list[list[int]]:
    """Token ids up to the first EOS (all of a row cut off at its limit), without the leading
    BOS and the padding."""
    out = []
    for row in rows.tolist():
        row = row[1:]
        out.append([t for t in row[: row.index(EOS) if EOS in row else None] if t != PAD])
    return out


class _Budget:
    """How many more times each row may write each placeholder: as often as its source holds
    it, counted up to the first EOS (a post-editor's draft after it repeats the placeholders)."""

    def __init__(self, src: torch.Tensor, placeholders: torch.Tensor,
                 shortlist: Shortlist | None, rows_per_source: int = 1) -> None:
        columns = placeholders if shortlist is None else shortlist.column[placeholders]
        kept = columns >= 0  # one outside the shortlist cannot be written anyway
        self.ids, self.columns = placeholders[kept], columns[kept]
        in_source = (src == EOS).cumsum(1) == 0
        held = ((src[:, :, None] == self.ids) & in_source[:, :, None]).sum(1)
        self.left = held.repeat_interleave(rows_per_source, 0)

    def forbid_spent(self, logits: torch.Tensor) -> None:
        """Set to -inf, in place, the logits (rows, columns) of the placeholders used up."""
        logits[:, self.columns] = logits[:, self.columns].masked_fill(self.left <= 0, -torch.inf)

    def spend(self, step: torch.Tensor, rows: torch.Tensor | None = None) -> None:
        """Count the token ids just written, by the rows `rows` picked (beam search)."""
        left = self.left if rows is None else self.left.index_select(0, rows)
        self.left = left - (step[:, None] == self.ids).long()


def _budget(src: torch.Tensor, placeholders: torch.Tensor | None, shortlist: Shortlist | None,
            rows_per_source: int = 1) -> _Budget | None:
    return None if placeholders is None else _Budget(src, placeholders, shortlist,
                                                     rows_per_source)


def _ids(step: torch.Tensor, shortlist: Shortlist | None) -> torch.Tensor:
    """Token ids of chosen output columns (the same with the whole vocabulary)."""
    return step if shortlist is None else shortlist.ids[step]


@torch.no_grad()
def greedy(model: Seq2Seq, src: torch.Tensor, lengths: torch.Tensor,
           shortlist: Shortlist | None = None, placeholders: torch.Tensor | None = None
           ) -> list[list[int]]:
    memory, key, source, state = model.encode(src, lengths)
    budget = _budget(src, placeholders, shortlist)
    tokens = torch.full((src.size(0), 1), BOS, dtype=torch.long, device=src.device)
    done = torch.zeros(src.size(0), dtype=torch.bool, device=src.device)
    limits = _limits(lengths).to(src.device)
    for t in range(int(limits.max())):
        logits, state = model.decode(tokens[:, -1:], memory, key, source, state, shortlist)
        logits = logits[:, -1]
        logits[:, _NEVER] = -torch.inf
        if budget is not None:
            budget.forbid_spent(logits)
        step = _ids(logits.argmax(-1), shortlist).masked_fill(done, PAD)
        if budget is not None:
            budget.spend(step)
        tokens = torch.cat([tokens, step[:, None]], 1)
        done |= (step == EOS) | (limits <= t + 1)
        if done.all():
            break
    return _strip(tokens)


def _penalty(length: torch.Tensor, alpha: float) -> torch.Tensor:
    return ((5 + length) / 6) ** alpha


def _settled(scores: torch.Tensor, done: torch.Tensor, length: torch.Tensor,
             limits: torch.Tensor, alpha: float) -> torch.Tensor:
    """(batch,) True where a sentence has a finished row that no open row can overtake: an
    open row's log-probability only falls, so its best possible normalised score is its score
    now over the penalty of the sentence's longest allowed length."""
    finished = (scores / _penalty(length, alpha)).masked_fill(~done, -torch.inf).max(-1).values
    hope = (scores / _penalty(limits[:, None].to(scores.dtype), alpha)).masked_fill(
        done, -torch.inf).max(-1).values
    return finished >= hope


@torch.no_grad()
def beam_search(model: Seq2Seq, src: torch.Tensor, lengths: torch.Tensor, beam: int = 5,
                alpha: float = 0.6, shortlist: Shortlist | None = None,
                placeholders: torch.Tensor | None = None) -> list[list[int]]:
    """The best hypothesis per sentence by log-probability / ((5 + length) / 6) ** alpha."""
    tokens, normalised = beam_hypotheses(model, src, lengths, beam, alpha, shortlist,
                                         placeholders)
    best = torch.arange(src.size(0), device=src.device) * beam + normalised.argmax(-1)
    return _strip(tokens.index_select(0, best))


def n_best(model: Seq2Seq, src: torch.Tensor, lengths: torch.Tensor, beam: int = 5,
           alpha: float = 0.6, shortlist: Shortlist | None = None,
           placeholders: torch.Tensor | None = None) -> list[list[tuple[list[int], float]]]:
    """Each sentence's beam rows that can win (finished ones, or the open ones where none
    finished) with their normalised scores, best first."""
    tokens, normalised = beam_hypotheses(model, src, lengths, beam, alpha, shortlist,
                                         placeholders)
    rows = _strip(tokens)
    out = []
    for i, scores in enumerate(normalised.tolist()):
        ranked = sorted((s, j) for j, s in enumerate(scores) if s > -torch.inf)
        out.append([(rows[i * beam + j], s) for s, j in reversed(ranked)])
    return out


def beam_hypotheses(model: Seq2Seq, src: torch.Tensor, lengths: torch.Tensor, beam: int,
                    alpha: float, shortlist: Shortlist | None,
                    placeholders: torch.Tensor | None = None
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Beam search: every row's tokens (batch * beam, steps) and normalised score (batch,
    beam), -inf for a cut-off row of a sentence where another row finished.

    Finished hypotheses stay in the beam, extended by PAD at no cost, so each sentence keeps
    exactly `beam` live rows and the whole batch moves in step. A sentence stops (all its rows
    carried over unchanged) once no open row could still beat its best finished one, or at its
    own length limit: its result is the one it gets decoded alone.
    """
    batch, device = src.size(0), src.device
    memory, key, source, state = model.encode(src, lengths)
    memory, key, source = (t.repeat_interleave(beam, 0) for t in (memory, key, source))
    state = _select(state, torch.arange(batch, device=device).repeat_interleave(beam))
    budget = _budget(src, placeholders, shortlist, beam)
    tokens = torch.full((batch * beam, 1), BOS, dtype=torch.long, device=device)
    scores = torch.full((batch, beam), -torch.inf, device=device)
    scores[:, 0] = 0.0  # all rows start identical: keep one
    done = torch.zeros(batch * beam, dtype=torch.bool, device=device)
    length = torch.zeros(batch * beam, device=device)
    limits = _limits(lengths).to(device)
    stopped = torch.zeros(batch, dtype=torch.bool, device=device)
    for t in range(int(limits.max())):
        logits, state = model.decode(tokens[:, -1:], memory, key, source, state, shortlist)
        logp = logits[:, -1].float().log_softmax(-1)
        logp[:, _NEVER] = -torch.inf
        if budget is not None:
            budget.forbid_spent(logp)
        still = done | stopped.repeat_interleave(beam)  # rows carried over as they are
        logp[still] = -torch.inf
        logp[still, PAD] = 0.0
        vocab = logp.size(-1)
        top, index = (scores.view(-1, 1) + logp).view(batch, -1).topk(beam, -1)
        rows = (torch.arange(batch, device=device)[:, None] * beam + index // vocab).view(-1)
        step = _ids((index % vocab).view(-1), shortlist)
        tokens = torch.cat([tokens.index_select(0, rows), step[:, None]], 1)
        state = _select(state, rows)
        if budget is not None:
            budget.spend(step, rows)
        length = length.index_select(0, rows) + (~still.index_select(0, rows)).float()
        done = done.index_select(0, rows) | (step == EOS)
        scores = top
        stopped |= (limits <= t + 1) | _settled(scores, done.view(batch, beam),
                                                 length.view(batch, beam), limits, alpha)
        if stopped.all():
            break
    finished = done.view(batch, beam)
    normalised = scores / _penalty(length.view(batch, beam), alpha)
    # an open row is a cut-off sentence: it wins only where nothing finished
    return tokens, normalised.masked_fill(~finished & finished.any(-1, keepdim=True), -torch.inf)
