"""The demo company, Meridian Telecom: its story as plain data (`story`) and the
deterministic generator that dates it around any day and scales it (`company`)."""
