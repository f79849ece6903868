"""Who someone is and what they may do: people and local accounts for sign-in
(`accounts`), the one permission check every write passes (`permissions`) and the
audit trail (`audit`)."""
