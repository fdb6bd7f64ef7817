"""Search strategies, evaluation and the run store."""
