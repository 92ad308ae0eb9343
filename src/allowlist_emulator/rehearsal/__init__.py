"""Rehearse an allowlist change before production: ``replicate`` a live allowlist into an emulator namespace or state
file (reads only), ``diff`` two states in each vendor's own terms, ``decide`` which addresses still get in.

Generic code only: what to read from a vendor, how its answers become its ``/_emulator/state`` shape and what an entry
is in its own terms live in its folder (``vendors/<key>/replicate.py``, reached through ``Vendor.replication``).
See docs/rehearsal.md.
"""
