"""labctl: the offline command line (render, review, timeline, verify), no Pulumi engine needed."""
