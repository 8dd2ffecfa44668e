"""The ONNX graphs the runtime runs, written beside a trained model's weights: the last step of
`voice train`, and `voice export` for a model folder trained before.

Weights are the float16 checkpoint's values, stored as float32, or as float16 with a Cast where
float32 would make the file too large (HALF_ABOVE). Each export is checked on the spot: the
graphs on onnxruntime must give the PyTorch model's outputs on a sample input, or it fails.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from voice.asr.model import (
    CtcRecognizer,
    FramesGraph,
    TorchAcoustic,
    WindowGraph,
    load_recognizer,
)
from voice.asr.network import FRAMES, WINDOW, OnnxAcoustic, zero_states
from voice.checkpoint import load_model
from voice.errors import VoiceError
from voice.files import atomic_path
from voice.intent.data import Vocab, Vocabs
from voice.intent.model import IntentModelConfig, IntentNet, torch_logits
from voice.intent.parser import GRAPH, IntentParser
from voice.models import model_config
from voice.mt.model import DecoderGraph, EncoderGraph, MtModelConfig, Seq2Seq, TorchNetwork
from voice.mt.network import DECODER, ENCODER, OnnxNetwork
from voice.mt.tokenizer import EOS, PAD
from voice.wake.detector import GRAPH as GRAPH_WAKE
from voice.wake.detector import OnnxWake
from voice.wake.model import WakeNet, load_wake_net, torch_wake

OPSET = 17
TOLERANCE = 1e-4
# A graph larger than this in float32 stores float16 weights (the encoder recogniser's window:
# 26 MB, over the 25 MB a committed model may take). onnxruntime then casts them at every run,
# not once at load: the translator's decoder step took 22.8 ms per sentence instead of 16.8.
HALF_ABOVE = 24_000_000


def export_mt(model: Seq2Seq, out: Path) -> None:
    """encoder.onnx and decoder.onnx (voice.mt.network) of a translator into folder out."""
    was_training = model.training
    model.eval()
    try:
        src = torch.tensor([[5, 6, 7, 8, EOS], [9, 10, EOS, PAD, PAD]])
        lengths = torch.tensor([5, 3])
        ids = torch.arange(model.config.vocab)
        states = ["state0", "state1"] if model.config.cell == "lstm" else ["state0"]
        batch, time, columns = {0: "batch"}, {0: "batch", 1: "time"}, {1: "columns"}
        _export(EncoderGraph(model), (src, lengths, ids), out / ENCODER,
                ["src", "lengths", "ids"], ["memory", "key", "weight", *states],
                {"src": time, "lengths": batch, "ids": {0: "columns"}, "memory": time,
                 "key": time, "weight": columns, **{s: {1: "batch"} for s in states}})
        memory, key, weight, *state = EncoderGraph(model)(src, lengths, ids)
        tokens = torch.tensor([[5], [9]])
        _export(DecoderGraph(model), (tokens, memory, key, src, src, weight, *state),
                out / DECODER, ["tokens", "memory", "key", "src", "columns", "weight", *states],
                ["scores", *(f"new_{s}" for s in states)],
                {"tokens": batch, "memory": time, "key": time, "src": time, "columns": time,
                 "weight": columns, "scores": {0: "batch", 2: "columns"},
                 **{s: {1: "batch"} for s in states}, **{f"new_{s}": {1: "batch"} for s in states}})
        _check_mt(model, out, src.numpy(), lengths.numpy())
    finally:
        model.train(was_training)


def _export(graph: torch.nn.Module, inputs: tuple, path: Path, input_names: list[str],
            output_names: list[str], dynamic_axes: dict) -> None:
    with torch.no_grad(), warnings.catch_warnings(), atomic_path(path, ".onnx") as partial:
        warnings.simplefilter("ignore")  # the tracer's notes on shapes; the checks test it
        torch.onnx.export(graph.eval(), inputs, str(partial), input_names=input_names,
                          output_names=output_names, dynamic_axes=dynamic_axes,
                          opset_version=OPSET, dynamo=False)
        if partial.stat().st_size > HALF_ABOVE:
            _half_weights(partial)


def _check_mt(model: Seq2Seq, out: Path, src: np.ndarray, lengths: np.ndarray) -> None:
    """A few decoder steps of the graphs against the PyTorch model's."""
    config = {"vocab": model.config.vocab, "draft": model.config.draft}
    ours, theirs = OnnxNetwork(out, config, threads=1), TorchNetwork(model)
    encoded, state = ours.encode(src, lengths, None)
    expected, expected_state = theirs.encode(src, lengths, None)
    tokens = src[:, 0]
    for _ in range(3):
        scores, state = ours.decode(tokens, encoded, state)
        reference, expected_state = theirs.decode(tokens, expected, expected_state)
        _require(float(np.abs(scores - reference).max()), out, "translator")
        tokens = reference.argmax(-1)


def export_intent(model: IntentNet, out: Path, vocabs: Vocabs) -> None:
    """model.onnx (voice.intent.parser.GRAPH) of an intent parser into folder out."""
    was_training = model.training
    try:
        commands = [["enciende", "la", "luz", "de", "la", "cocina"], ["qué", "hora", "es"]]
        batch = vocabs.encode([(words, [], "") for words in commands[:1]])
        words, chars = torch.from_numpy(batch.words), torch.from_numpy(batch.chars)
        axes = {"batch": 0, "words": 1}
        _export(model, (words, chars), out / GRAPH, ["words", "chars"], ["intents", "tags"],
                {"words": _axes(axes), "chars": _axes({**axes, "letters": 2}),
                 "intents": {0: "batch"}, "tags": _axes({**axes, "tags": 2})})
        ours = IntentParser.load(out)
        theirs = IntentParser(torch_logits(model), vocabs)
        for command in commands:
            error = max(float(np.abs(a - b).max()) for a, b in
                        zip(ours.logits(command), theirs.logits(command), strict=True))
            _require(error, out, "intent parser")
    finally:
        model.train(was_training)


def _axes(names: dict[str, int]) -> dict[int, str]:
    return {axis: name for name, axis in names.items()}


def _require(error: float, out: Path, what: str) -> None:
    if not error <= TOLERANCE:
        raise VoiceError(f"{out}: the exported {what} differs from the trained one "
                         f"(outputs by {error:.2g})")


def export_asr(model: CtcRecognizer, out: Path) -> None:
    """frames.onnx and window.onnx (voice.asr.network) of a recogniser into folder out."""
    was_training = model.training
    model.eval()
    try:
        features = torch.randn(1, 50, model.config.n_mels)
        _export(FramesGraph(model), (features,), out / FRAMES, ["features"], ["x"],
                {"features": {1: "frames"}, "x": {1: "steps"}})
        x = FramesGraph(model)(features)
        states = zero_states(asdict(model.config))
        names = [f"state{i}" for i in range(len(states))]
        _export(WindowGraph(model), (x, torch.tensor(3), *map(torch.from_numpy, states)),
                out / WINDOW, ["x", "commit", *names], ["log_probs", *(f"new_{n}" for n in names)],
                {"x": {1: "steps"}, "log_probs": {1: "steps"}})
        _check_asr(model, out)
    finally:
        model.train(was_training)


def _half_weights(path: Path) -> None:
    """Store a graph's float32 weights as float16, each followed by a Cast back to float32."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    graph = onnx.load(str(path))
    casts = []
    for tensor in graph.graph.initializer:
        if tensor.data_type == TensorProto.FLOAT and np.prod(tensor.dims) >= 256:
            name = tensor.name
            tensor.CopyFrom(numpy_helper.from_array(
                numpy_helper.to_array(tensor).astype(np.float16), f"{name}.fp16"))
            casts.append(helper.make_node("Cast", [f"{name}.fp16"], [name], to=TensorProto.FLOAT))
    nodes = [*casts, *graph.graph.node]
    del graph.graph.node[:]
    graph.graph.node.extend(nodes)
    onnx.save(graph, str(path))


def _check_asr(model: CtcRecognizer, out: Path) -> None:
    """The graphs against the PyTorch model: a whole utterance, and two streamed windows."""
    config = asdict(model.config)
    ours, theirs = OnnxAcoustic(out, config, threads=1), TorchAcoustic(model)
    features = np.random.default_rng(0).standard_normal((120, model.config.n_mels),
                                                        dtype=np.float32)
    x = ours.frames(features)
    _require(float(np.abs(x - theirs.frames(features)).max()), out, "recogniser's front end")
    states = expected = None
    for window, commit in ((x[:20], 8), (x[8:], len(x) - 8)):
        log_probs, states = ours.window(window, commit, states)
        reference, expected = theirs.window(window, commit, expected)
        _require(float(np.abs(log_probs - reference).max()), out, "recogniser")


def export_wake(model: WakeNet, out: Path) -> None:
    """model.onnx (voice.wake.detector.GRAPH) of a wake detector into folder out."""
    was_training = model.training
    model.eval()
    try:
        c = model.config
        frames = torch.randn(1, 6 * c.stride, c.n_mels)
        state = torch.zeros(c.layers, 1, c.hidden)
        _export(model, (frames, state), out / GRAPH_WAKE, ["frames", "state"],
                ["logits", "new_state"], {"frames": {1: "frames"}, "logits": {1: "steps"}})
        ours, theirs = OnnxWake(out / GRAPH_WAKE, c), torch_wake(model)
        audio = np.random.default_rng(0).standard_normal((1, 40 * c.stride, c.n_mels),
                                                         dtype=np.float32)
        state = expected = None
        for block in (audio[:, :10 * c.stride], audio[:, 10 * c.stride:]):
            (logits, state), (reference, expected) = ours(block, state), theirs(block, expected)
            _require(float(np.abs(logits - reference).max()), out, "wake detector")
    finally:
        model.train(was_training)


def export_model(path: Path) -> str:
    """Export the model in folder path (any kind `voice train` makes) from its saved weights;
    returns its kind."""
    config = model_config(path)
    kind = config.get("kind")
    if kind == "mt":
        model = Seq2Seq(MtModelConfig(**config["model"]))
        model.load_state_dict(load_model(path)[0])
        export_mt(model, path)
    elif kind == "asr":
        export_asr(load_recognizer(path), path)
    elif kind == "wake":
        export_wake(load_wake_net(path), path)
    elif kind == "intent":
        model = IntentNet(IntentModelConfig(**config["model"]))
        model.load_state_dict(load_model(path)[0])
        export_intent(model, path, Vocabs(
            Vocab(config["words"]), Vocab(config["chars"]), Vocab(config["tags"], specials=()),
            Vocab(config["intents"], specials=())))
    else:
        raise VoiceError(f"{path}: no ONNX export for a {kind or 'unknown'} model yet")
    return kind
