"""`labctl timeline`: the probe lab's predicted timeline, as text and as a picture."""
