"""The stock kernel's implementation; :mod:`salesorder.inventory` is its public face."""
