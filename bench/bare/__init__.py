"""The yardstick: a bare Django project with one JSON view, no Market Link middleware, apps or database.

Served by gunicorn exactly as Market Link is in the benchmark (same worker count and class, same machine),
and measured A/B against every target in the same run; the ratio target/bare is the headline."""
