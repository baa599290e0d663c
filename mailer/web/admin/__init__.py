"""The organizer's workplace under /admin: one blueprint per area, nested in the gate's
parent blueprint, which alone decides who may pass (gate.py).

| module | URL | what |
| --- | --- | --- |
| auth.py | /admin/login, /admin/logout | logging in and out |
| overview.py | /admin/ | the sessions ahead, newsletters, list and outbox at a glance |
| replies.py | /admin/antworten | topic ideas and every message read, refiling |
| members.py | /admin/mitglieder | the members |
| plan.py, planchanges.py | /admin/plan | the sessions and the series, changed in two steps |
"""

from __future__ import annotations

from mailer.web.admin import auth, members, overview, plan, planchanges, replies
from mailer.web.admin.gate import blueprint

blueprint.register_blueprint(members.blueprint, url_prefix="/mitglieder")
blueprint.register_blueprint(replies.blueprint, url_prefix="/antworten")
blueprint.register_blueprint(plan.blueprint, url_prefix="/plan")

__all__ = ["auth", "blueprint", "overview", "planchanges"]
