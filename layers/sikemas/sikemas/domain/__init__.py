"""The pure domain: states, transitions, routing, counters. No AWS, no Powertools, no env."""
