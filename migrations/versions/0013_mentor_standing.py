"""each mentor's standing kept in the database, and trigram indexes for the roster's search

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 17:10:00.000000

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mentor_standing',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=16), nullable=False),
    sa.Column('evaluated_at', sa.DateTime(), nullable=False),
    sa.Column('changes_at', sa.DateTime(), nullable=True),
    sa.Column('passed_count', sa.Integer(), nullable=False),
    sa.Column('required_count', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Integer(), nullable=False),
    sa.Column('certificate_status', sa.String(length=10), nullable=True),
    sa.Column('certificate_label', sa.String(length=120), nullable=True),
    sa.Column('expires_at', sa.DateTime(), nullable=True),
    sa.Column('certified_since', sa.DateTime(), nullable=True),
    sa.Column('eligible', sa.Boolean(), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('screening_pending', sa.Boolean(), nullable=False),
    sa.Column('in_person_hours', sa.Float(), nullable=False),
    sa.Column('open_matches', sa.Integer(), nullable=False),
    sa.Column('last_activity', sa.DateTime(), nullable=True),
    sa.Column('refresher_due_on', sa.Date(), nullable=True),
    sa.Column('refresher_overdue', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_mentor_standing_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_mentor_standing'))
    )
    with op.batch_alter_table('mentor_standing', schema=None) as batch_op:
        for column in ('certificate_status', 'certified_since', 'changes_at', 'eligible',
                       'evaluated_at', 'expires_at', 'fingerprint', 'last_activity', 'percent',
                       'refresher_due_on'):
            batch_op.create_index(batch_op.f(f'ix_mentor_standing_{column}'), [column], unique=False)

    # Every account gets a row marked out of date: the first reader (or `flask standing
    # refresh`, run after this upgrade) evaluates it.
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    op.get_bind().execute(
        sa.text(
            "INSERT INTO mentor_standing (user_id, fingerprint, evaluated_at, changes_at, "
            "passed_count, required_count, percent, eligible, reasons, screening_pending, "
            "in_person_hours, open_matches, refresher_overdue) "
            "SELECT id, '', :now, :now, 0, 0, 0, false, '[]', false, 0, 0, false "
            "FROM user_account"
        ),
        {"now": now},
    )

    # The roster's order by name: walked 50 rows at a time instead of sorting every mentor.
    op.create_index('ix_user_account_name_lower', 'user_account', [sa.text('lower(name)')],
                    unique=False)

    if op.get_bind().dialect.name == 'postgresql':
        # pg_trgm is a trusted extension: the database's owner may create it. It may live in
        # another schema than the app's tables (installed once per database), so its operator
        # class is named with its schema.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        schema = op.get_bind().execute(sa.text(
            "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
            "WHERE e.extname = 'pg_trgm'"
        )).scalar_one()
        for column in ('name', 'email'):
            op.execute(
                f'CREATE INDEX ix_user_account_{column}_trgm ON user_account '
                f'USING gin ({column} "{schema}".gin_trgm_ops)'
            )
    else:
        with op.batch_alter_table('user_account', schema=None) as batch_op:
            batch_op.create_index('ix_user_account_name_trgm', ['name'], unique=False)
            batch_op.create_index('ix_user_account_email_trgm', ['email'], unique=False)


def downgrade():
    # The rows are a cache of what the other tables say: nothing is lost with them.
    op.drop_index('ix_user_account_name_lower', table_name='user_account')
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_user_account_email_trgm', table_name='user_account')
        op.drop_index('ix_user_account_name_trgm', table_name='user_account')
    else:
        with op.batch_alter_table('user_account', schema=None) as batch_op:
            batch_op.drop_index('ix_user_account_email_trgm')
            batch_op.drop_index('ix_user_account_name_trgm')
    with op.batch_alter_table('mentor_standing', schema=None) as batch_op:
        for column in ('certificate_status', 'certified_since', 'changes_at', 'eligible',
                       'evaluated_at', 'expires_at', 'fingerprint', 'last_activity', 'percent',
                       'refresher_due_on'):
            batch_op.drop_index(batch_op.f(f'ix_mentor_standing_{column}'))
    op.drop_table('mentor_standing')
