"""Spanish speech recogniser: log-mel -> conv subsampling -> bidirectional RNN -> CTC."""
