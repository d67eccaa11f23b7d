"""The graders' and organisers' console in the browser, served by ``kefu web`` under /console.

One set of grading rules, two front ends: every page calls the same services as the CLI
(``bot.services.exam_grading``, ``bot.services.results_export`` …) as the logged-in user, so
nothing about grading is decided here. ``auth`` checks who is logged in and what their role may
reach; ``passwords`` hashes with argon2; each page group is a module of routes.
"""
