"""`labctl reset`: a student's lab objects deleted, so that the lab can start over."""
