"""Benchmarks of render and of the Pulumi program under mocks (`make bench`, not part of `make test`)."""
