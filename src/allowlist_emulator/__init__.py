"""allowlist-emulator: stateful, spec-driven emulators of four vendors' IP-allowlist APIs."""

__version__ = "0.1.0"
