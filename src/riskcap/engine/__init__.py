"""Engines: revalue a book under scenarios and aggregate P&L per hierarchy node."""
