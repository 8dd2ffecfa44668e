"""The recogniser's dev sets: what `voice eval asr` scores by default, and what the word LM
must never learn (its sentences would make the beam search look better than it is)."""

DEV_MANIFESTS = ("data/asr/asterisk-dev.jsonl", "data/asr/drascula-dev.jsonl",
                 "data/asr/drascula-dev-phone.jsonl", "data/asr/espeak-dev.jsonl",
                 "data/asr/kokoro-dev.jsonl", "data/asr/piper-dev.jsonl")
