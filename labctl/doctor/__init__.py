"""`labctl doctor`: the tools and the cluster checked before `pulumi up` or `make e2e`."""
