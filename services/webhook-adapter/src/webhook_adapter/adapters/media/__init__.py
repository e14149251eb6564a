"""Inbound media's storage and provider side: the media table, the stores (local directory,
S3), the providers' downloads and the credentials they use."""
