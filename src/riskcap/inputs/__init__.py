"""From lake tables to arrays: the layer between ``data`` and ``engine``.

``risk_inputs`` reads a day's positions, instruments, books, factors and market
history (pinned lake versions) and builds the arrays the engines revalue; ``hierarchy``
is the firm → entity → desk → book roll-up; ``demo_book`` marks the bundled demo's
instruments with the pricing kernels. Imports ``data``, the numeric core (``market``,
``pricing``, ``risk``, ``capital``), ``config`` and ``errors`` only.
"""
