"""`labctl review`: the policy rules over a stack or a rendered tree, and its reports (text, JSON, SARIF)."""
