"""Bundles, the one exchange format: its files and columns (`spec`), staging any source
into tables (`staging`), the set-based checks (`validation`), the all-or-nothing
`importer`, the `exporter`, and both as a signed-in person (`as_person`)."""
