"""Benchmarks (`make bench`): numbers every later change is judged by."""
