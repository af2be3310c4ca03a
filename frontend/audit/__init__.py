"""`make audit`: Lighthouse (mobile, median of runs) and axe (every rule, every impact) on the pages people use
at the venue, the field and the shop, against a production-like server with the demo data; a JSON and
Markdown report judged against the targets of thresholds.py."""
