"""Pod Security test data: the restricted pod, its workloads, and the cases that break each control."""
