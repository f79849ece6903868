"""The organisation and the journey as an administrator changes them in the app: business
units, teams and their heads, people and roles, journeys, phases, stages, touchpoints and
company objectives (`editing` writes, `reads` lists what the editors show), and
reorganising in place (`reorganise`: retire as of a date, merge two teams)."""
