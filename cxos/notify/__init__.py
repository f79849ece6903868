"""Notices that reach people: reminders, escalations and review packs, by email and in the app.

`config` reads the `[notify]` settings, `rules` computes who gets what as of a date (from
the my-work list and the escalation ladder), `store` keeps the sent log and the people's
preferences, `mail` builds and sends the messages, and `run` ties them together for
`python -m cxos notify`. Nothing here imports Streamlit.
"""
