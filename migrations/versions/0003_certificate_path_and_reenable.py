"""certificates record the modules they certify; staff can re-enable a revoked holder

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('modules', sa.JSON(), nullable=True))

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

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.alter_column('modules', existing_type=sa.JSON(), nullable=False)

    with op.batch_alter_table('certificate_action', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_certificate_action_action'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_certificate_action_action'),
            "action IN ('suspend', 'lift', 'revoke', 'reenable')",
        )


def downgrade():
    # Re-enabling is recorded with its own action; a downgrade cannot express it.
    connection = op.get_bind()
    count = connection.execute(
        sa.text("SELECT count(*) FROM certificate_action WHERE action = 'reenable'")
    ).scalar()
    if count:
        raise RuntimeError(
            f"{count} re-enable action(s) are recorded; downgrading would lose them."
        )
    with op.batch_alter_table('certificate_action', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_certificate_action_action'), type_='check')
        batch_op.create_check_constraint(
            op.f('ck_certificate_action_action'), "action IN ('suspend', 'lift', 'revoke')"
        )

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('modules')
