"""The contract harness (issue 5): check servers and clients against biway-mock's spec."""

__all__: list[str] = []
