"""The recogniser's dev sets: what `voice eval asr` scores by default, and what the word LM
must never learn (its sentences would make the beam search look better than it is)."""

DEV_MANIFESTS = ("data/asr/asterisk-dev.jsonl", "data/asr/drascula-dev.jsonl",
                 "data/asr/drascula-dev-phone.jsonl", "data/asr/tuxpaint-train.jsonl",
                 "data/asr/espeak-dev.jsonl", "data/asr/kokoro-dev.jsonl",
                 "data/asr/piper-dev.jsonl")
# tuxpaint-train is named for how an earlier recipe used it; no shipped recipe trains on it:
# its woman and child are voices the recognisers never hear.
