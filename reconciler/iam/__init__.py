"""Least-privilege IAM for sesctl: which SES actions and ARNs each use needs (policy.py), and a
small evaluator (evaluate.py) the emulator enforces policies with. Nothing is imported here,
so the emulator can use actions.py and evaluate.py without loading manifests or kinds."""
