"""The work people do between reviews: the my-work list (`my_work`), check-ins and
readings (`checkins_readings`), and a head's team edits and the reads behind them
(`team_edits`, `team_reads`: goals, metrics, actions, the feedback inbox)."""
