"""onnxruntime sessions, made one way for every network the runtime runs (and for the corpus
builders' synthesizers): on the CPU, with a set number of threads and no inter-op pool."""

from __future__ import annotations

from pathlib import Path


def session(path: Path, threads: int = 1):
    """An onnxruntime InferenceSession of the graph at path (onnxruntime is imported here, at
    first use, so that commands which run no network start without it)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
