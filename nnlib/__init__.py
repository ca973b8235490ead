"""nnlib: the small numpy library that Backprop by Hand builds, chapter by chapter."""
