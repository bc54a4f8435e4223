"""Benchmarks: ``python -m bench`` (``make bench``) measures Mrejesho against its stack's limit.

Every figure is measured in one run on this machine and printed beside its target;
throughput is also given as a ratio against a baseline measured in the same run, so
the numbers compare like with like whatever the machine. Nothing here is a test.
"""
