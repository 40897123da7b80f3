"""Thin servers that speak the real protocols on loopback, over the demo city's simulations."""
