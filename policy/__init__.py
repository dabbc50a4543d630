"""The CrossGuard policy pack and the rule library it shares with `labctl review`."""
