"""The contact graph: who among the user's contacts knows whom, inferred from shared meetings
and mail, typed (colleague, friend, client…), and queried as circles, paths and clusters."""
