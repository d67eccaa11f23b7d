"""The pure domain of kefu: no file, database, network, terminal or web import in here.

Everything in this package takes data and returns data, so that the same engine and the same
move detector serve the terminal, Telegram, the scorer and the tests alike.
"""
