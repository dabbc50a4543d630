"""`labctl render`: the offline YAML tree, its kustomization and ApplicationSet, the lab and task sheets."""
