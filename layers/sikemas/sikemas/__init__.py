"""SIKeMas: the shared package (domain, adapters, use cases) shipped as a Lambda layer."""
