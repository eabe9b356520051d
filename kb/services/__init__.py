"""Use cases. Services are the only code that commits: one public function, one unit of work."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from kb.errors import Conflict
from kb.extensions import db


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Commit on success; roll back on any error, turning races into 409 Conflict."""
    session = db.session
    try:
        yield session
        session.commit()
    except StaleDataError:
        session.rollback()
        raise Conflict("The record was changed by someone else; reload it and try again.") from None
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("The change conflicts with existing data.",
                       {"database": [str(exc.orig).splitlines()[0][:200]]}) from None
    except BaseException:
        session.rollback()
        raise
