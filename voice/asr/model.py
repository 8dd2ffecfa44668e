"""The recogniser network: a plain nn.Module, cell type (LSTM or GRU) chosen by the recipe."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

from voice.asr.encoder import BLOCKS
from voice.asr.frontend import FRONTENDS, Stack, Subsample
from voice.asr.mel import N_MELS
from voice.asr.network import zero_states
from voice.asr.whisper_encoder import Top
from voice.checkpoint import load_model
from voice.errors import VoiceError


@dataclass
class AsrModelConfig:
    features: str = "logmel"  # logmel: 10 ms log-mels | whisper: Whisper base's encoder frames
    n_mels: int = N_MELS  # feature width (the encoder's 512 for whisper)
    channels: int = 32  # convolution channels of the subsampling front-end
    hidden: int = 256  # per direction
    layers: int = 4
    cell: str = "lstm"  # lstm | gru
    dropout: float = 0.15
    vocab: int = 36
    phone_vocab: int = 0  # outputs of the auxiliary phone CTC head (training.asr.phones); 0: none
    phone_layer: int = 0  # the recurrent layer (1 = lowest) feeding that head; 0 = the top one
    teacher_dim: int = 0  # width of the teacher's frames the distillation head predicts; 0 = none
    teacher_layer: int = 0  # the recurrent layer feeding the distillation head; 0 = the top one
    speakers: int = 0  # training speakers the adversarial head tells apart; 0 = no such head
    speaker_layer: int = 0  # the recurrent layer it reads, through gradient reversal; 0 = top
    norm: str = "global"  # global: training-set mean/std per bin | causal: also running stats
    norm_prior: float = 100.0  # causal: frames of evidence the global statistics count for
    tune_blocks: int = 0  # whisper: the encoder's top blocks trained as part of this model; the
    # input frames are then the output of the blocks below them
    tune_lr: float = 0.1  # those blocks' learning rate, relative to the recipe's


def causal_normalise(z: torch.Tensor, prior: float) -> torch.Tensor:
    """(B, T, bins) globally normalised log-mels -> mean and variance normalised per bin by the
    running statistics of frames 0..t (the global ones, zero and one, counting as `prior`
    frames), so the speaker's and the channel's average spectrum is taken out as the utterance
    goes and streaming still equals whole-utterance decoding. Trailing padding changes nothing
    before it."""
    count = torch.arange(1, z.shape[1] + 1, dtype=z.dtype, device=z.device)[None, :, None] + prior
    mean = z.cumsum(1) / count
    var = ((z * z).cumsum(1) + prior) / count - mean * mean
    return (z - mean) / var.clamp(min=1e-2).sqrt()


def _layers_view(rnn: nn.RNNBase, first: int, last: int) -> nn.RNNBase:
    """Layers first..last-1 of a bidirectional rnn as an RNN of their own that shares rnn's
    parameters: taps an intermediate layer while the model keeps one RNN (its state dict, and
    the per-layer split that streaming makes)."""
    layers = last - first
    view = type(rnn)(rnn.input_size if first == 0 else 2 * rnn.hidden_size, rnn.hidden_size,
                     num_layers=layers, bidirectional=True, batch_first=True,
                     dropout=rnn.dropout if layers > 1 else 0.0)
    for k in range(first, last):
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            for suffix in ("", "_reverse"):
                setattr(view, f"{name}_l{k - first}{suffix}",
                        getattr(rnn, f"{name}_l{k}{suffix}"))
    return view.train(rnn.training)


@dataclass
class AuxOutputs:
    """What training reads besides the character log-probs: the auxiliary heads' outputs."""

    log_probs: torch.Tensor
    lengths: torch.Tensor
    phones: torch.Tensor | None  # phone log-probs, with a phone head
    teacher: torch.Tensor | None  # predicted teacher frames, with a distillation head
    speakers: torch.Tensor | None = None  # (B, speakers) logits, with an adversarial head


class _ReverseGradient(torch.autograd.Function):
    """Identity forward, negated gradient backward (Ganin & Lempitsky, 2015): the speaker head
    learns to tell speakers apart while the layers below learn to make that impossible."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        return -grad


class CtcRecognizer(nn.Module):
    """(features, lengths) -> per-frame log-probabilities over the character vocabulary; with
    auxiliary heads (phones, teacher frames), training asks for their outputs too (aux=True).
    Inference never reads them."""

    def __init__(self, config: AsrModelConfig) -> None:
        super().__init__()
        if config.features not in FRONTENDS:
            raise VoiceError(f"recipe [model]: features must be one of {', '.join(FRONTENDS)}, "
                             f"not {config.features!r}")
        if config.norm not in ("global", "causal"):
            raise VoiceError(f"recipe [model]: norm must be global or causal, not {config.norm!r}")
        for name in ("phone_layer", "teacher_layer", "speaker_layer"):
            if not 0 <= getattr(config, name) <= config.layers:
                raise VoiceError(f"recipe [model]: {name} must be 0 (the top) to layers "
                                 f"({config.layers}), not {getattr(config, name)}")
        if not 0 <= config.tune_blocks <= (BLOCKS if config.features == "whisper" else 0):
            raise VoiceError(f"recipe [model]: tune_blocks must be 0 to {BLOCKS}, and 0 unless "
                             f"features = \"whisper\", not {config.tune_blocks}")
        self.config = config
        # the encoder's top blocks, read before normalisation (the trainer gives them tune_lr)
        self.encoder_top = Top(config.tune_blocks) if config.tune_blocks else None
        self.lr_scales = {"encoder_top.": config.tune_lr} if config.tune_blocks else {}
        self.register_buffer("mean", torch.zeros(config.n_mels))
        self.register_buffer("std", torch.ones(config.n_mels))
        self.frontend = Subsample(config.n_mels, config.channels, config.hidden) \
            if config.features == "logmel" else Stack(config.n_mels, config.hidden)
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU}[config.cell]
        self.rnn = rnn(config.hidden, config.hidden, num_layers=config.layers,
                       bidirectional=True, batch_first=True,
                       dropout=config.dropout if config.layers > 1 else 0.0)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(2 * config.hidden, config.vocab)
        self.phone_head = nn.Linear(2 * config.hidden, config.phone_vocab) \
            if config.phone_vocab else None
        self.teacher_head = nn.Linear(2 * config.hidden, config.teacher_dim) \
            if config.teacher_dim else None
        self.speaker_head = nn.Sequential(
            nn.Linear(2 * config.hidden, 256), nn.ReLU(), nn.Linear(256, config.speakers)) \
            if config.speakers else None
        self.register_load_state_dict_pre_hook(_fresh_heads)

    def forward(self, features: torch.Tensor, lengths: torch.Tensor,
                aux: bool = False) -> tuple[torch.Tensor, torch.Tensor] | AuxOutputs:
        """(log-probs, lengths), or AuxOutputs when aux is set (training)."""
        x, lengths = self.frames(features, lengths)
        if aux:
            return self._with_heads(self.dropout(x), lengths)
        # No packing: on CPU, packed batches of unequal lengths make the backward pass ~5x
        # slower. Batches hold similar lengths, padded with silence (see data.collate), so the
        # backward direction only reads a little extra trailing silence.
        x, _ = self.rnn(self.dropout(x))
        return self.head(self.dropout(x)).log_softmax(-1), lengths.clamp(max=x.shape[1])

    def normalise(self, features: torch.Tensor) -> torch.Tensor:
        """Log-mels as the front end reads them (streaming normalises its whole history)."""
        z = (features - self.mean) / self.std
        return causal_normalise(z, self.config.norm_prior) if self.config.norm == "causal" else z

    def frames(self, features: torch.Tensor,
               lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Normalised, subsampled frames: what the RNN reads."""
        if self.encoder_top is not None:
            features = self.encoder_top(features, lengths)
        return self.frontend(self.normalise(features), lengths)

    def adapting(self, features: torch.Tensor, lengths: torch.Tensor,
                 frozen: int) -> tuple[torch.Tensor, torch.Tensor]:
        """forward() for training only the layers above the lowest `frozen` ones (speaker
        enrolment): those run without autograd, which saves their backward pass."""
        with torch.no_grad():
            x, lengths = self.frames(features, lengths)
            if frozen:
                x = self._layers(x, 0, frozen)
        x = self._layers(x if frozen else self.dropout(x), frozen, self.config.layers)
        return self.head(self.dropout(x)).log_softmax(-1), lengths.clamp(max=x.shape[1])

    def _layers(self, x: torch.Tensor, first: int, last: int) -> torch.Tensor:
        """The output of recurrent layers first + 1 .. last, from a view of the one RNN's
        weights; above the lowest layer, the dropout the RNN applies between its layers."""
        if first:
            x = nn.functional.dropout(x, self.rnn.dropout, self.training)
        rnn = self.rnn if (first, last) == (0, self.config.layers) else \
            _layers_view(self.rnn, first, last)
        return rnn(x)[0]

    def _layer_outputs(self, x: torch.Tensor, taps: set[int]) -> dict[int, torch.Tensor]:
        """The outputs of the tapped recurrent layers (1 = lowest) and of the top one, from
        the one RNN split at the taps."""
        outputs: dict[int, torch.Tensor] = {}
        first = 0
        for tap in sorted(taps | {self.config.layers}):
            x = outputs[tap] = self._layers(x, first, tap)
            first = tap
        return outputs

    def _with_heads(self, x: torch.Tensor, lengths: torch.Tensor) -> AuxOutputs:
        top = self.config.layers
        phone_tap = self.config.phone_layer or top
        teacher_tap = self.config.teacher_layer or top
        speaker_tap = self.config.speaker_layer or top
        taps = {t for t, head in ((phone_tap, self.phone_head), (teacher_tap, self.teacher_head),
                                  (speaker_tap, self.speaker_head)) if head is not None}
        outputs = self._layer_outputs(x, taps)
        lengths = lengths.clamp(max=x.shape[1])
        speakers = None
        if self.speaker_head is not None:  # mean over each utterance's frames, reversed
            valid = (torch.arange(x.shape[1], device=x.device)[None] < lengths[:, None]).float()
            pooled = (outputs[speaker_tap] * valid[..., None]).sum(1) / valid.sum(1, True)
            speakers = self.speaker_head(_ReverseGradient.apply(pooled))
        return AuxOutputs(
            self.head(self.dropout(outputs[top])).log_softmax(-1), lengths,
            None if self.phone_head is None else
            self.phone_head(self.dropout(outputs[phone_tap])).log_softmax(-1),
            None if self.teacher_head is None else self.teacher_head(outputs[teacher_tap]),
            speakers)


_AUX_HEADS = ("phone_head", "teacher_head", "speaker_head")
_FRESH = (*_AUX_HEADS, "encoder_top")  # what a checkpoint without them leaves as it is now


def without_aux_heads(model: CtcRecognizer) -> CtcRecognizer:
    """The recogniser as inference reads it, for export: the training-only heads (phones,
    teacher frames, speakers) and their settings left out. Fine-tuning from such an export
    with heads starts them afresh (_fresh_heads)."""
    config = replace(model.config, phone_vocab=0, phone_layer=0, teacher_dim=0, teacher_layer=0,
                     speakers=0, speaker_layer=0)
    bare = CtcRecognizer(config)
    bare.load_state_dict({k: v for k, v in model.state_dict().items()
                          if k.split(".", 1)[0] not in _AUX_HEADS})
    return bare


def _fresh_heads(model: CtcRecognizer, state: dict, prefix: str, *_) -> None:
    """Fine-tuning a model trained without an auxiliary head or tuned encoder blocks: those
    start as they are (heads as initialised, the blocks as Whisper's: AsrTask loads them)."""
    for name in _FRESH:
        head = getattr(model, name)
        if head is not None:
            for key, value in head.state_dict().items():
                state.setdefault(f"{prefix}{name}.{key}", value)


def split_directions(rnn: nn.RNNBase) -> list[tuple[nn.RNNBase, nn.RNNBase]]:
    """One single-layer forward and backward RNN per layer, sharing the trained weights."""
    layers = []
    for k in range(rnn.num_layers):
        pair = []
        for suffix in ("", "_reverse"):
            size = rnn.input_size if k == 0 else 2 * rnn.hidden_size
            single = type(rnn)(size, rnn.hidden_size, batch_first=True)
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                setattr(single, f"{name}_l0", getattr(rnn, f"{name}_l{k}{suffix}"))
            pair.append(single.eval())
        layers.append(tuple(pair))
    return layers


class FramesGraph(nn.Module):
    """What the export writes as frames.onnx: input frames (1, T, F) -> the RNN's frames
    (1, T', D), normalised and subsampled (or paired)."""

    def __init__(self, model: CtcRecognizer) -> None:
        super().__init__()
        if model.config.norm != "global" or model.encoder_top is not None:
            raise VoiceError("only models with global normalisation and a frozen encoder "
                             "export to ONNX (norm = \"global\", tune_blocks = 0)")
        self.model = model

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        lengths = torch.ones(1, dtype=torch.long)  # unused at batch 1
        return self.model.frontend(self.model.normalise(features), lengths)[0]


class WindowGraph(nn.Module):
    """What the export writes as window.onnx: the RNN over a window of frames (1, T', D) as a
    latency-controlled BLSTM streams it (voice.asr.stream): every layer's forward direction
    reads the first `commit` frames from its carried state (the state after them carries on),
    then the rest of the window; the backward direction starts from zero. Returns the
    window's log-probs (1, T', V) and the new states. With zero states and commit = T' this is
    the whole-utterance recogniser."""

    def __init__(self, model: CtcRecognizer) -> None:
        super().__init__()
        self.model = model
        self.layers = nn.ModuleList(nn.ModuleList(pair) for pair in split_directions(model.rnn))
        self.lstm = model.config.cell == "lstm"

    def forward(self, x: torch.Tensor, commit: torch.Tensor, *states: torch.Tensor):
        carried = []
        head = torch.arange(commit, device=x.device)
        tail = torch.arange(commit, x.shape[1], device=x.device)  # may be empty
        per_layer = 2 if self.lstm else 1
        for k, (forward, backward) in enumerate(self.layers):
            state = states[k * per_layer:(k + 1) * per_layer]
            state = tuple(state) if self.lstm else state[0]
            ahead, after = forward(x.index_select(1, head), state)
            rest = forward(x.index_select(1, tail), after)[0] \
                if len(tail) or torch.onnx.is_in_onnx_export() else ahead[:, :0]
            carried += list(after) if self.lstm else [after]
            back, _ = backward(x.flip(1))
            x = torch.cat([torch.cat([ahead, rest], 1), back.flip(1)], -1)
        return self.model.head(x).log_softmax(-1), *carried


def load_recognizer(path: Path) -> CtcRecognizer:
    """The PyTorch recogniser of a model folder, in eval mode."""
    state, config = load_model(path)
    model = CtcRecognizer(AsrModelConfig(**config["model"]))
    model.load_state_dict(state)
    return model.eval()


class TorchAcoustic:
    """A CtcRecognizer as voice.asr.network.Acoustic: what training and enrolment recognise
    with, and what a model folder without ONNX graphs (a causal-norm or tuned-encoder
    experiment) runs on. Its window() is WindowGraph, the computation the export writes."""

    def __init__(self, model: CtcRecognizer) -> None:
        self.model = model
        self.config = asdict(model.config)
        self.graph = WindowGraph(model)

    @torch.no_grad()
    def frames(self, features: np.ndarray) -> np.ndarray:
        self.model.eval()
        feats = torch.from_numpy(np.asarray(features, np.float32))[None]
        return self.model.frames(feats, torch.tensor([feats.shape[1]]))[0][0].numpy()

    @torch.no_grad()
    def window(self, x: np.ndarray, commit: int,
               states: list[np.ndarray] | None) -> tuple[np.ndarray, list[np.ndarray]]:
        self.model.eval()
        states = states if states is not None else zero_states(self.config)
        out, *states = self.graph(torch.from_numpy(np.asarray(x, np.float32))[None],
                                  torch.tensor(commit), *map(torch.from_numpy, states))
        return out[0].numpy(), [s.numpy() for s in states]
