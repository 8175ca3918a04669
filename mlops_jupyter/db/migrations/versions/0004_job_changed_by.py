"""jobs.changed_by: who last scheduled or changed a job (its follow-ups act as that person)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("changed_by", sa.String(255), nullable=True))
    op.execute("UPDATE jobs SET changed_by = created_by")


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("changed_by")
