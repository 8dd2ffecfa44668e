"""CTC decoding in numpy: greedy (best-path) text, the fast default and the streaming partials
(beam search with the word LM: beam.py), and the forced alignment that gives word times."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voice.text import CharVocab


def collapse(ids: list[int], blank: int = CharVocab.BLANK) -> list[int]:
    """Best-path CTC: merge repeats, then drop blanks."""
    out, previous = [], None
    for i in ids:
        if i != previous and i != blank:
            out.append(i)
        previous = i
    return out


def greedy(log_probs: np.ndarray, lengths: np.ndarray, vocab: CharVocab) -> list[str]:
    """(B, T, V) log-probabilities (numpy, or tensors alike) -> one text per utterance."""
    best = log_probs.argmax(-1)
    return [" ".join(vocab.decode(collapse(best[b, : int(lengths[b])].tolist())).split())
            for b in range(best.shape[0])]


@dataclass
class Span:
    token: int
    start: int  # first frame
    end: int  # one past the last frame


def _ctc_states(ids: list[int], blank: int) -> tuple[np.ndarray, np.ndarray]:
    """CTC's states for ids, blanks between and around them (2 len(ids) + 1 token ids), and
    where a state may also be entered from two back (a token unlike the one before it)."""
    extended = np.full(2 * len(ids) + 1, blank)
    extended[1::2] = ids
    skip = np.zeros(len(extended), dtype=bool)
    skip[3::2] = extended[3::2] != extended[1:-2:2]
    return extended, skip


def _shifted(alpha: np.ndarray, by: int) -> np.ndarray:
    """alpha moved `by` states on (the predecessors' scores), -inf coming in."""
    return np.concatenate([np.full(by, -np.inf), alpha])[:len(alpha)]


def forced_align(log_probs: np.ndarray, ids: list[int],
                 blank: int = CharVocab.BLANK) -> list[Span]:
    """The frames of each token of ids on the most probable CTC path (T, V) -> spans, in order.
    Viterbi over the blank-interleaved ids; ties go as in torchaudio's forced_align (stay, then
    the previous state, then the skip), so word times are the same."""
    extended, skip = _ctc_states(ids, blank)
    steps, states = len(log_probs), len(extended)
    alpha = np.full(states, -np.inf)
    alpha[:2] = log_probs[0, extended[:2]]
    back = np.zeros((steps, states), dtype=np.int8)  # 0: stayed, 1: from s-1, 2: from s-2
    for t in range(1, steps):
        best, move = alpha.copy(), np.zeros(states, dtype=np.int8)
        previous = _shifted(alpha, 1)
        better = previous > best
        best[better], move[better] = previous[better], 1
        twice = np.where(skip, _shifted(alpha, 2), -np.inf)
        better = twice > best
        best[better], move[better] = twice[better], 2
        alpha, back[t] = best + log_probs[t, extended], move
    if not np.isfinite(alpha[-2:]).any():
        return []  # too few frames for these tokens (each repeat needs a blank between)
    state = states - 1 if alpha[-1] > alpha[-2] else states - 2
    path = np.empty(steps, dtype=np.int64)
    for t in range(steps - 1, -1, -1):
        path[t] = extended[state]
        state -= int(back[t, state])
    spans: list[Span] = []
    for t, token in enumerate(path.tolist()):
        if token == blank:
            continue
        if spans and spans[-1].token == token and spans[-1].end == t:
            spans[-1].end = t + 1
        else:
            spans.append(Span(token, t, t + 1))
    return spans


def ctc_score(log_probs: np.ndarray, ids: list[int], blank: int = CharVocab.BLANK) -> float:
    """ln P(ids | frames) under CTC, all alignments summed (what torch's ctc_loss negates);
    -inf when the frames are too few for the ids."""
    frames = np.asarray(log_probs, dtype=np.float64)
    extended, skip = _ctc_states(ids, blank)
    alpha = np.full(len(extended), -np.inf)
    alpha[:2] = frames[0, extended[:2]]
    for t in range(1, len(frames)):
        twice = np.where(skip, _shifted(alpha, 2), -np.inf)
        with np.errstate(invalid="ignore"):  # -inf + -inf
            alpha = np.logaddexp(np.logaddexp(alpha, _shifted(alpha, 1)), twice) + \
                frames[t, extended]
    return float(np.logaddexp(alpha[-1], alpha[-2]) if ids else alpha[-1])
