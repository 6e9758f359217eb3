"""notices sent and mentors' notice preferences

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 13:50:00.000000

"""
from alembic import context, op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def _refuse_data_loss(tables):
    """Stop a downgrade that would drop rows, unless run with `-x allow_data_loss=true`."""
    allowed = context.get_x_argument(as_dictionary=True).get("allow_data_loss", "")
    if allowed.strip().lower() in ("true", "1", "yes"):
        return
    if context.is_offline_mode():
        holding = list(tables)  # no database to look at: assume the worst
    else:
        bind = op.get_bind()
        holding = [
            table
            for table in tables
            if bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None
        ]
    if holding:
        raise RuntimeError(
            f"Downgrading past revision {revision} would delete the rows in: "
            f"{', '.join(holding)}. Back up the database first, then run "
            "'flask db downgrade -x allow_data_loss=true ...' to go ahead."
        )


def upgrade():
    op.create_table('notice_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('period_key', sa.String(length=64), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('issued', 'renewal_open', 'expiring_30', 'expiring_7', 'expired', 'suspended', 'lifted', 'revoked', 'refresher_due', 'name_corrected', 'name_declined', 'nudge')", name=op.f('ck_notice_sent_kind')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notice_sent_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_sent')),
    sa.UniqueConstraint('user_id', 'kind', 'period_key', name=op.f('uq_notice_sent_user_id_kind_period_key'))
    )
    with op.batch_alter_table('notice_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_sent_user_id'), ['user_id'], unique=False)

    op.create_table('notice_preference',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reminders', sa.Boolean(), nullable=False),
    sa.Column('nudges', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notice_preference_user_id_user_account')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notice_preference'))
    )


def downgrade():
    _refuse_data_loss(('notice_sent', 'notice_preference'))
    op.drop_table('notice_preference')
    with op.batch_alter_table('notice_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_sent_user_id'))

    op.drop_table('notice_sent')
