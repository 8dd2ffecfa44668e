"""Training the recognisers: batches, features and their caches, augmentation, the LM."""
