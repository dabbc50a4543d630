"""Bad command-line input: every command raises it, `labctl.cli.main` prints it and exits 2."""

EXIT_BAD_INPUT = 2


class BadInput(ValueError):
    """A flag, file or name the user gave is wrong; the message says what is allowed."""
