"""The domain's vocabulary: the entities as Pydantic models (the single source of every
field's rules) and the errors a person can act on."""
