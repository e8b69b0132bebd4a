"""A tiny app with its own policies.py, to show discovery needs no change to permissions/."""
