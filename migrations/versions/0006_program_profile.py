"""program profile

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 11:00:00.000000

"""
from alembic import context, op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
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
    op.create_table('program_profile',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('coordinator_name', sa.String(length=200), nullable=False),
    sa.Column('coordinator_role', sa.String(length=200), nullable=False),
    sa.Column('coordinator_email', sa.String(length=320), nullable=False),
    sa.Column('coordinator_phone', sa.String(length=100), nullable=False),
    sa.Column('coordinator_hours', sa.String(length=500), nullable=False),
    sa.Column('first_contact', sa.Text(), nullable=False),
    sa.Column('after_hours', sa.String(length=500), nullable=False),
    sa.Column('hotline', sa.String(length=500), nullable=False),
    sa.Column('must_report_directly', sa.Boolean(), nullable=True),
    sa.Column('emergency', sa.Text(), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('mentor_types', sa.JSON(), nullable=False),
    sa.Column('match_models', sa.JSON(), nullable=False),
    sa.Column('required_placeholders', sa.JSON(), nullable=False),
    sa.Column('question_prompt', sa.String(length=500), nullable=False),
    sa.Column('question_answer', sa.String(length=500), nullable=False),
    sa.Column('question_wrong', sa.Text(), nullable=False),
    sa.Column('question_explanation', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_program_profile_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_program_profile'))
    )


def downgrade():
    _refuse_data_loss(('program_profile',))
    op.drop_table('program_profile')
