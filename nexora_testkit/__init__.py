"""Nexora's test kit: factories, an API test client and pytest fixtures (nexora_testkit/README.md).

Nothing is imported here: the pytest plugin must not import a model before pytest-django
has set Django up.
"""
