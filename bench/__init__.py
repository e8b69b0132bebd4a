"""The benchmark harness: the API under wrk against a floor of bare Django views (see README)."""
