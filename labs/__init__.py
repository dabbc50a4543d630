"""Pure builders for the Advanced Pod API labs: parameters in, Kubernetes manifests out.

Nothing here imports Pulumi, so the offline renderer, the policy rules and the tests
share one fast path; `components/` wraps these builders as Pulumi ComponentResources.
"""
