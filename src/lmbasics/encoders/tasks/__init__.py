"""The four axes of the comparison: agreement (long range), semantic (WiC, SST-2), translation
(Multi30k) and speed. Each ``run_<axis>(budget, families, ...)`` returns JSON-ready results."""
