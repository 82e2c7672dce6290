"""The public surface of contract_tests is what its __all__ says, sorted (as httpx checks its own)."""

import contract_tests


def test_all_is_sorted_and_importable() -> None:
    assert contract_tests.__all__ == sorted(contract_tests.__all__)
    for name in contract_tests.__all__:
        assert getattr(contract_tests, name).__module__.startswith("contract_tests.")
