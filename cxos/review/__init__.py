"""What the steering committee reviews: what needs its attention (`needs_attention`),
one team in detail (`team_detail`), the journey map, meetings and their decisions,
the review pack (PDF and Excel) and the charts pages and pack share (`figures`)."""
