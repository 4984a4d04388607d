"""Pure helpers: no ORM, no records, no HTTP state. Tested without a database."""
