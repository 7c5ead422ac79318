"""Operator and developer tools (`bin/sikemas`): run from a checkout, never shipped in a
Lambda layer."""
