"""The Telegram channel: candidates practise and sit the exam with the scripted customer.

``app`` builds the python-telegram-bot ``Application`` (long polling); ``bot`` stores each update
before Telegram forgets it; ``processor`` orders each chat's updates; ``service`` is what the bot
does, over ``LiveChat``; ``sender`` paces and retries replies from the outbox; ``deadlines``
nudges silent candidates and ends exams on time; ``texts`` holds what the bot says.
"""
