"""Read-only share links: a trace, an object's disk view or a whole sandbox, frozen when
shared and open to anyone who has the link (``links``, ``views``)."""
