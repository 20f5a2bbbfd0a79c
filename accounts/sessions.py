"""Sessions kept in the database and read from the cache (Django's cached_db), that keep
working on the database alone while the cache is down.

Every signed-in request reads its session: from Redis that is one round trip instead of a
query. A cache failure never fails the request: the session is read from and written to
the database, and the failure is logged. A copy is kept in the cache for a few minutes at
most, so a session ended (log-out) while the cache could not be told is trusted from it
for no longer than that.
"""

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

logger = logging.getLogger(__name__)

# The longest a session is trusted from the cache without the database.
CACHE_SECONDS = 5 * 60


class SessionStore(cached_db.SessionStore):
    def _cache_set(self, data, expiry_age: int) -> None:
        try:
            self._cache.set(self.cache_key, data, min(expiry_age, CACHE_SECONDS))
        except Exception:
            logger.warning("session not cached: the cache failed", exc_info=True)

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            logger.warning("session read from the database: the cache failed", exc_info=True)
            return DatabaseSessionStore.load(self)
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        self._cache_set(data, self.get_expiry_age(expiry=stored.expire_date))
        return data

    def exists(self, session_key):
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            logger.warning("session looked up in the database: the cache failed", exc_info=True)
        return DatabaseSessionStore.exists(self, session_key)

    def save(self, must_create=False):
        DatabaseSessionStore.save(self, must_create)
        self._cache_set(self._session, self.get_expiry_age())

    def delete(self, session_key=None):
        DatabaseSessionStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key is None:
            return
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:
            # The cached copy expires within CACHE_SECONDS.
            logger.error("ended session left in the cache: the cache failed", exc_info=True)
