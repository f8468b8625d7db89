"""What a sync keeps for the admin view that made the change to say: the
signal that does the work (``signals``) has no request to give it to."""

from contextvars import ContextVar


class KeptForTheView:
    """{cohort pk: what the last sync of that cohort in this thread kept},
    each taken once. ``forget`` at the start of each request
    (``signals.forget_earlier_requests_syncs``): a worker thread serves one
    request after another, and a sync no admin view follows (a workflow
    approval, a scheduled publish, a deletion) leaves what it kept untaken."""

    def __init__(self, name):
        self.kept = ContextVar(name, default=None)

    def keep(self, cohort_id, value):
        kept = dict(self.kept.get() or {})
        kept[cohort_id] = value
        self.kept.set(kept)

    def take(self, cohort_id, default):
        kept = dict(self.kept.get() or {})
        value = kept.pop(cohort_id, default)
        self.kept.set(kept)
        return value

    def forget(self):
        self.kept.set(None)
