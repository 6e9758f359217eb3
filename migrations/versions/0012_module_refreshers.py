"""module versions on certificates and the refreshers their holders completed

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 13:50:00.000000

"""
import json

from alembic import context, op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
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
        # A certificate of a later module version loses what it certified with the column.
        for (versions,) in bind.execute(sa.text("SELECT module_versions FROM certificate")):
            if isinstance(versions, str):
                versions = json.loads(versions)
            if any(version != 1 for version in (versions or {}).values()):
                holding.append("certificate (module_versions)")
                break
    if holding:
        raise RuntimeError(
            f"Downgrading past revision {revision} would delete the rows in: "
            f"{', '.join(holding)}. Back up the database first, then run "
            "'flask db downgrade -x allow_data_loss=true ...' to go ahead."
        )


def upgrade():
    # In place, not a batch copy: on SQLite a copy would break the foreign keys of the
    # table that certificate actions point at.
    op.add_column(
        'certificate',
        sa.Column('module_versions', sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
    )

    # Every certificate issued so far certified version 1 of each module it covers.
    bind = op.get_bind()
    certificate = sa.table(
        'certificate', sa.column('id', sa.Integer()), sa.column('modules', sa.JSON()),
        sa.column('module_versions', sa.JSON()),
    )
    for row in bind.execute(sa.select(certificate.c.id, certificate.c.modules)).all():
        modules = row.modules if not isinstance(row.modules, str) else json.loads(row.modules)
        bind.execute(
            certificate.update()
            .where(certificate.c.id == row.id)
            .values(module_versions={slug: 1 for slug in modules or []})
        )

    op.create_table('certificate_refresher',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('module_slug', sa.String(length=100), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('version >= 2', name=op.f('ck_certificate_refresher_version_changed')),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_certificate_refresher_certificate_id_certificate')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_refresher')),
    sa.UniqueConstraint('certificate_id', 'module_slug', 'version', name=op.f('uq_certificate_refresher_certificate_id_module_slug_version'))
    )
    with op.batch_alter_table('certificate_refresher', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_refresher_certificate_id'), ['certificate_id'], unique=False)


def downgrade():
    _refuse_data_loss(('certificate_refresher',))
    with op.batch_alter_table('certificate_refresher', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_refresher_certificate_id'))

    op.drop_table('certificate_refresher')
    # In place (SQLite 3.35+ and PostgreSQL alike), for the same reason as the upgrade.
    op.execute('ALTER TABLE certificate DROP COLUMN module_versions')
