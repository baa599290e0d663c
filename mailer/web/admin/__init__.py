"""The organizer's workplace under /admin: one blueprint per area, nested in the gate's
parent blueprint, which alone decides who may pass (gate.py).

| module | URL | what |
| --- | --- | --- |
| auth.py | /admin/login, /admin/logout | logging in and out |
| overview.py | /admin/ | the sessions ahead, newsletters, list and outbox at a glance |
| replies.py | /admin/antworten | topic ideas and every message read, refiling |
| members.py | /admin/mitglieder | the members: the list, one member, add, edit, leave, remove |
| member_files.py | /admin/mitglieder/import, .../export.csv | member lists in and out |
| plan.py, planchanges.py | /admin/plan | the sessions and the series, changed in two steps |
| log.py | /admin/protokoll | who changed what and when |

gate.py also puts the health lines (health.py) on every page behind the login, and
words.py gives the templates their German words for mailer's states (as filters).
"""

from __future__ import annotations

from mailer.web.admin import auth, log, member_files, members, overview, plan, planchanges, replies
from mailer.web.admin.gate import blueprint
from mailer.web.admin.words import FILTERS

blueprint.register_blueprint(members.blueprint, url_prefix="/mitglieder")
blueprint.register_blueprint(member_files.blueprint, url_prefix="/mitglieder")
blueprint.register_blueprint(replies.blueprint, url_prefix="/antworten")
blueprint.register_blueprint(plan.blueprint, url_prefix="/plan")
blueprint.register_blueprint(log.blueprint, url_prefix="/protokoll")
for name, translate in FILTERS.items():
    blueprint.add_app_template_filter(translate, name)

__all__ = ["auth", "blueprint", "overview", "planchanges"]
