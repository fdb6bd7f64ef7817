"""Derivations of a Space: the tree, counting, sampling, mutation and crossover,
subtrees, the hierarchy of levels, and canonical terms."""
