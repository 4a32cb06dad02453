"""The curated public surface: ``__all__`` is exactly what the package exports."""

import salesorder


def test_all_is_sorted_and_unique() -> None:
    assert list(salesorder.__all__) == sorted(set(salesorder.__all__))


def test_all_names_exist() -> None:
    for name in salesorder.__all__:
        assert hasattr(salesorder, name), name


def test_every_public_attribute_is_in_all() -> None:
    public = {
        name
        for name, value in vars(salesorder).items()
        # "@py_builtins" and "@pytest_ar": what pytest's assertion rewriter adds to the
        # modules of a pytest plugin's distribution (salesorder is one); not identifiers.
        if not name.startswith(("_", "@"))
        and not getattr(value, "__name__", "").startswith("salesorder.")
    }
    assert public == set(salesorder.__all__) - {"__version__"}


def test_public_objects_have_docstrings() -> None:
    for name in salesorder.__all__:
        value = getattr(salesorder, name)
        if callable(value):
            assert value.__doc__, name
