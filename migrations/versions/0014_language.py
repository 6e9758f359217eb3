"""the language each account reads the site in

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 17:00:00.000000

"""
from alembic import context, op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def _refuse_data_loss():
    """Stop a downgrade that would forget accounts' chosen languages, unless run with
    `-x allow_data_loss=true`."""
    allowed = context.get_x_argument(as_dictionary=True).get("allow_data_loss", "")
    if allowed.strip().lower() in ("true", "1", "yes"):
        return
    if not context.is_offline_mode():
        bind = op.get_bind()
        chosen = bind.execute(
            sa.text("SELECT 1 FROM user_account WHERE language IS NOT NULL LIMIT 1")
        ).first()
        if chosen is None:
            return
    raise RuntimeError(
        f"Downgrading past revision {revision} would delete the rows in: "
        "user_account (language). Back up the database first, then run "
        "'flask db downgrade -x allow_data_loss=true ...' to go ahead."
    )


def upgrade():
    # A plain ADD COLUMN (no batch copy of user_account, which every other table refers to).
    op.add_column('user_account', sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    _refuse_data_loss()
    # In place (SQLite 3.35+ and PostgreSQL alike), for the same reason as the upgrade.
    op.execute('ALTER TABLE user_account DROP COLUMN language')
