"""Use cases: one class per capability, taking ports (repository, photo store) as arguments."""
