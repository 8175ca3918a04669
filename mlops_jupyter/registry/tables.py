"""Tables of the registry's governance state in the mlops database (Alembic revision 0002).

The audit log itself is :class:`mlops_jupyter.orm.AuditEntry`; these tables sit beside it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..orm import Base, utcnow


class AuditHead(Base):
    """The single row naming the newest audit entry.

    Two jobs: every governed write locks this row first, which serializes them (a row lock on
    PostgreSQL, the database write lock on SQLite); and it anchors the chain's end, so deleting
    the newest entries is detected too, not only edits in the middle.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)  # 0 while the log is empty
    hash: Mapped[str] = mapped_column(String(64))


class PromotionRule(Base):
    """A metric rule every promotion of ``model`` to ``alias`` must pass, e.g. ``auc>=champion``.

    Kept here rather than as a registered-model tag: a tag can be edited by anyone with MLflow
    access and leaves no trace, while a rule change here is role-checked and written to the
    audit log in the same transaction.
    """

    __tablename__ = "promotion_rules"
    __table_args__ = (UniqueConstraint("model", "alias", "rule", name="uq_promotion_rule"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model: Mapped[str] = mapped_column(String(256), index=True)
    alias: Mapped[str] = mapped_column(String(255))
    rule: Mapped[str] = mapped_column(String(512))
    created_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
