"""Channels: thin adapters that turn a medium's events into ``LiveChat.handle`` calls."""
