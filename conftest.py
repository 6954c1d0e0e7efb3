# Runs every rulesets/<name>.cases.yaml as one pytest test per case.
pytest_plugins = ["govrules._pytest_plugin"]
