"""From evidence to priorities: feedback themes, whether completed work moved its metric,
and a ranked backlog of opportunities (issue 25).

Three modules, each computed as of a date D like the scores: `themes` (what customers
write about, per stage, touchpoint and team), `impact` (each completed action's goal
metrics before and after) and `opportunities` (a stage's pain, ranked by the committee's
value and effort). Nothing is imported here: `themes` loads scikit-learn, which the
`scores` command must not pay for (tests/test_cli_lazy.py).
"""
