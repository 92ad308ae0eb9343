"""pytest plugin (entry point ``pytest11``): fixtures for client test suites. Filled in by the fixtures work."""
