"""`labctl shard`: a class split into stack files of its own."""
