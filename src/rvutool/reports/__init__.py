"""Where the user stands: summaries, reconcile, the employer report reader, contracts and benchmarks."""
