"""Moving a user's content between the hosted databases and the database they own.

``copier`` works on one collection (copy in ``_id`` order, fingerprint, reconcile); ``mover``
runs those over every content collection of the content schema, pairing each hosted
collection (its name in its service's database) with its name in the user's database.
"""
