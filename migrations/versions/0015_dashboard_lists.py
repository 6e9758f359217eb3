"""the dashboard's lists read the stored standing alone, each from its own index

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

INDEXES = {
    'ix_mentor_standing_stages': ['listed', 'stage_flags'],
    'ix_mentor_standing_lost': ['eligible', 'open_matches'],
    'ix_mentor_standing_progress_quiet': ['listed', 'course_complete', 'quiet_since'],
    'ix_mentor_standing_status_name': ['listed', 'certificate_status', 'name_key'],
    'ix_mentor_standing_screening_name': ['listed', 'screening_pending', 'certificate_status',
                                          'name_key'],
    'ix_mentor_standing_status_expiry': ['listed', 'certificate_status', 'expires_at'],
    'ix_mentor_standing_ready': ['listed', 'eligible', 'open_matches', 'certified_since'],
    'ix_mentor_standing_progress_name': ['listed', 'course_complete', 'name_key'],
}


def upgrade():
    # Plain ADD COLUMN and CREATE INDEX, in place on both databases (no batch copy of the table).
    op.add_column('mentor_standing', sa.Column('listed', sa.Boolean(), nullable=False,
                                               server_default=sa.false()))
    op.add_column('mentor_standing', sa.Column('name_key', sa.String(length=200), nullable=False,
                                               server_default=''))
    op.add_column('mentor_standing', sa.Column('quiet_since', sa.DateTime(), nullable=True))
    op.add_column('mentor_standing', sa.Column('course_complete', sa.Boolean(), nullable=False,
                                               server_default=sa.false()))
    op.add_column('mentor_standing', sa.Column('stage_flags', sa.Integer(), nullable=False,
                                               server_default='0'))
    # Filled from what the rows and accounts already hold, so the lists are right at once; the
    # next evaluation of each mentor writes the same values.
    op.execute(
        "UPDATE mentor_standing SET "
        "listed = (SELECT user_account.role = 'mentor' AND user_account.deactivated_at IS NULL "
        "          FROM user_account WHERE user_account.id = mentor_standing.user_id), "
        "name_key = (SELECT substr(lower(user_account.name), 1, 200) FROM user_account "
        "            WHERE user_account.id = mentor_standing.user_id), "
        "quiet_since = coalesce(last_activity, (SELECT user_account.created_at FROM user_account "
        "            WHERE user_account.id = mentor_standing.user_id)), "
        "course_complete = (required_count > 0 AND passed_count = required_count), "
        # standing_store.STAGE_BITS
        "stage_flags = "
        "(CASE WHEN NOT coalesce(certificate_status = 'valid', false) "
        "      AND (last_activity IS NOT NULL OR passed_count > 0) THEN 1 ELSE 0 END) "
        "+ (CASE WHEN certificate_status = 'valid' THEN 2 ELSE 0 END) "
        "+ (CASE WHEN eligible THEN 4 ELSE 0 END) "
        "+ (CASE WHEN open_matches > 0 THEN 8 ELSE 0 END) "
        "+ (CASE WHEN certificate_status = 'valid' AND screening_pending THEN 16 ELSE 0 END) "
        "+ (CASE WHEN certificate_status = 'suspended' THEN 32 ELSE 0 END) "
        "+ (CASE WHEN eligible AND open_matches = 0 THEN 64 ELSE 0 END) "
        "+ (CASE WHEN refresher_due_on IS NOT NULL THEN 128 ELSE 0 END)"
    )
    for name, columns in INDEXES.items():
        op.create_index(name, 'mentor_standing', columns, unique=False)
    op.create_index('ix_mentor_standing_refresher', 'mentor_standing',
                    ['listed', 'refresher_due_on'], unique=False,
                    postgresql_where=sa.text('refresher_due_on IS NOT NULL'),
                    sqlite_where=sa.text('refresher_due_on IS NOT NULL'))


def downgrade():
    # Only the stored standing's own copies of account facts: nothing is lost.
    op.drop_index('ix_mentor_standing_refresher', table_name='mentor_standing')
    for name in INDEXES:
        op.drop_index(name, table_name='mentor_standing')
    for column in ('stage_flags', 'course_complete', 'quiet_since', 'name_key', 'listed'):
        op.execute(f'ALTER TABLE mentor_standing DROP COLUMN {column}')
