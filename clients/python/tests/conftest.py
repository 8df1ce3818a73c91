"""The package's own tests use the installed plugin's fixtures, and pytester for the README."""

pytest_plugins = ["pytester"]
