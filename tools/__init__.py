"""Project tooling that is not part of the product: the interpreter check make runs first, and mutation testing's
ordering and score page (`make mutants`)."""
