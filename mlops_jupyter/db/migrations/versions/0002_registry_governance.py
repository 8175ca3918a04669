"""registry governance: audit head, promotion rules

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    # Anchor the head on whatever the log already holds.
    tail = op.get_bind().execute(sa.text("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")).first()
    op.bulk_insert(head, [{"id": 1, "seq": tail[0] if tail else 0, "hash": tail[1] if tail else GENESIS}])
    op.create_table(
        "promotion_rules",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model", sa.String(256), nullable=False, index=True),
        sa.Column("alias", sa.String(255), nullable=False),
        sa.Column("rule", sa.String(512), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("model", "alias", "rule", name="uq_promotion_rule"),
    )


def downgrade() -> None:
    op.drop_table("promotion_rules")
    op.drop_table("audit_head")
