"""The web channel: the exam room in a browser on the LAN (``kefu web``).

``seats`` is the behaviour of one seat over ``LiveChat`` (plain synchronous code); ``server``
is the ASGI application (Starlette) that turns pages, forms and the WebSocket into its calls;
``pages`` renders the templates; ``hub`` wakes open pages when their conversation changes.
"""
