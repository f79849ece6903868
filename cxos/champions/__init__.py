"""The CX champions' view: business units side by side (`compare`), its charts
(`figures`) and the notes board (`notes`)."""
