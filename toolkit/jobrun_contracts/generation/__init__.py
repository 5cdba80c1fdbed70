"""Schemas in, Hypothesis strategies out: the compiler of plans, regex strategies, realistic values,
response consistency, and the invalid-request mutations. The public face is ``jobrun_contracts.strategies``."""
