"""The rule files, shipped inside the wheel as ``govrules.rulesets`` (package data only)."""
