"""Tooling beside the product: the benchmark, the load test, the app server they and the browser test use,
and the generators of synthetic leaderboards and of the demo samples. Nothing in `mlbattle` imports this."""
