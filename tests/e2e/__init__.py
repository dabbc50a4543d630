"""`make e2e`: the whole proof against the cluster of kubectl's current context (python -m tests.e2e).

It lives beside the tests, not in labctl, because it runs the Pulumi program and the policy pack
of a project checkout; pytest does not collect it (no test_*.py file). Its own control flow is
tested with fake `pulumi` and `kubectl` executables in tests/test_e2e.py. See docs/verification.md.
"""
