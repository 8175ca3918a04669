"""Tables of the mlops database: the declarative base, validations, the audit log and the
registry's governance state (Alembic revisions 0001 and 0002). The job store's tables are in
:mod:`.job_tables`; Alembic owns the history of both."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, Boolean, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Validation(Base):
    """A validation of one notebook version: the fact production jobs and promotions rely on."""

    __tablename__ = "validations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notebook_path: Mapped[str] = mapped_column(String(1024))
    notebook_version: Mapped[str] = mapped_column(String(64), index=True)
    run_id: Mapped[str] = mapped_column(String(64))
    user: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    passed: Mapped[bool] = mapped_column(Boolean)
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    checks: Mapped[list] = mapped_column(JSON, default=list)  # [{name, passed, value, source}]
    snapshot_uri: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class AuditEntry(Base):
    """One governed action. ``prev_hash`` is unique, so two writers can never both extend
    the chain from the same entry: the loser retries on the new tail."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32), index=True)
    target: Mapped[str] = mapped_column(String(512), index=True)
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))


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
