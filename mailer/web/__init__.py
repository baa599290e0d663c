"""The web door, `mailer serve`: members sign up, confirm, answer and leave; the organizer
looks in. Flask with Flask-WTF (CSRF) and Flask-Limiter (throttles), served by waitress.

app.py builds the application; members.py and admin.py are its two halves; pages.py
holds what both need of the plan and the database per request.
"""
