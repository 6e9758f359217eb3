"""certificates record the modules they certify; staff can re-enable a revoked holder

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:30:00

"""
from alembic import context, op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
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
    # Added in place with a default, never by copying the table: on SQLite a copy would drop the
    # table that certificate actions point at.
    op.add_column(
        'certificate',
        sa.Column('modules', sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )

    # A certificate issued before this revision certified the quizzes its holder had passed by
    # the time it was issued.
    connection = op.get_bind()
    certificate = sa.table(
        'certificate',
        sa.column('id', sa.Integer),
        sa.column('user_id', sa.Integer),
        sa.column('issued_at', sa.DateTime),
        sa.column('modules', sa.JSON),
    )
    attempt = sa.table(
        'quiz_attempt',
        sa.column('user_id', sa.Integer),
        sa.column('module_slug', sa.String),
        sa.column('kind', sa.String),
        sa.column('passed', sa.Boolean),
        sa.column('submitted_at', sa.DateTime),
    )
    rows = connection.execute(
        sa.select(certificate.c.id, certificate.c.user_id, certificate.c.issued_at)
    ).all()
    for certificate_id, user_id, issued_at in rows:
        slugs = connection.execute(
            sa.select(attempt.c.module_slug)
            .where(
                attempt.c.user_id == user_id,
                attempt.c.kind == 'quiz',
                attempt.c.passed.is_(True),
                attempt.c.submitted_at <= issued_at,
            )
            .distinct()
        ).scalars().all()
        connection.execute(
            certificate.update()
            .where(certificate.c.id == certificate_id)
            .values(modules=sorted(slugs))
        )

    with op.batch_alter_table('certificate_action', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_certificate_action_action'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_certificate_action_action'),
            "action IN ('suspend', 'lift', 'revoke', 'reenable')",
        )


def downgrade():
    # The modules each certificate certifies, and every re-enable decision, have no place in the
    # older schema.
    _refuse_data_loss(('certificate',))
    op.execute("DELETE FROM certificate_action WHERE action = 'reenable'")
    with op.batch_alter_table('certificate_action', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_certificate_action_action'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_certificate_action_action'), "action IN ('suspend', 'lift', 'revoke')"
        )

    # In place (SQLite 3.35+ and PostgreSQL alike), for the same reason as the upgrade.
    op.execute('ALTER TABLE certificate DROP COLUMN modules')
