"""The local stack: packaged Kafka- and MongoDB-protocol servers plus every service as a process.

Used by ``make run`` and by the integration-test fixtures, so both start things the same way.
"""
