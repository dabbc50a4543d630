"""`labctl check`: a student's hand-in graded against the parameters of their own environment."""
