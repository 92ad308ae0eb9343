"""The request pipeline every vendor shares: spec compilation, validation, routing, errors, faults, the journal."""
