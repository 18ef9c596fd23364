"""Benchmarks for revtrace: a generator of realistic synthetic catalogs and a runner.

    python -m benchmarks            # the full table (10,000 and 100,000 metrics)
    python -m benchmarks --quick    # smaller sizes, for a quick look

Not part of the test suite's timing; the generator itself is tested.
"""
