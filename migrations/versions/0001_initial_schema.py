"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('institution',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('name_sw', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('short_names', sa.String(length=400), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['parent_id'], ['institution.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_institution_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_institution_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_institution_region_code'), ['region_code'], unique=False)

    op.create_table('subscriber',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('opted_out', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('phone')
    )
    op.create_table('officer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=300), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_officer_institution_id'), ['institution_id'], unique=False)

    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('institution_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('submitter_phone', sa.String(length=20), nullable=True),
    sa.Column('submitter_name', sa.String(length=120), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sensitive', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('first_answered_by_id', sa.Integer(), nullable=True),
    sa.Column('appeal_institution_id', sa.Integer(), nullable=True),
    sa.Column('appeal_reason', sa.Text(), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('reject_reason', sa.Text(), nullable=True),
    sa.Column('escalated', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['answered_by_id'], ['officer.id'], ),
    sa.ForeignKeyConstraint(['appeal_institution_id'], ['institution.id'], ),
    sa.ForeignKeyConstraint(['first_answered_by_id'], ['officer.id'], ),
    sa.ForeignKeyConstraint(['institution_id'], ['institution.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.create_index('ix_feedback_created', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_feedback_inst_status_created', ['institution_id', 'status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_feedback_phone', ['submitter_phone'], unique=False)
        batch_op.create_index('ix_feedback_status_due', ['status', 'due_at'], unique=False)

    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], ),
    sa.ForeignKeyConstraint(['officer_id'], ['officer.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_feedback_id'), ['feedback_id'], unique=False)

    op.create_table('inbound_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('provider_id', sa.String(length=128), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('to', sa.String(length=40), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('network_code', sa.String(length=16), nullable=True),
    sa.Column('link_id', sa.String(length=128), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('command', sa.String(length=32), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('feedback_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider', 'provider_id')
    )
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_message_phone'), ['phone'], unique=False)

    op.create_table('outbound_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('feedback_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('provider_id', sa.String(length=128), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['feedback_id'], ['feedback.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbound_message_feedback_id'), ['feedback_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_message_phone'), ['phone'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbound_message_provider_id'), ['provider_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_message_provider_id'))
        batch_op.drop_index(batch_op.f('ix_outbound_message_phone'))
        batch_op.drop_index(batch_op.f('ix_outbound_message_feedback_id'))

    op.drop_table('outbound_message')
    with op.batch_alter_table('inbound_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_message_phone'))

    op.drop_table('inbound_message')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_feedback_id'))

    op.drop_table('event')
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_status_due')
        batch_op.drop_index('ix_feedback_phone')
        batch_op.drop_index('ix_feedback_inst_status_created')
        batch_op.drop_index('ix_feedback_created')

    op.drop_table('feedback')
    with op.batch_alter_table('officer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_officer_institution_id'))

    op.drop_table('officer')
    op.drop_table('subscriber')
    with op.batch_alter_table('institution', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_institution_region_code'))
        batch_op.drop_index(batch_op.f('ix_institution_parent_id'))
        batch_op.drop_index(batch_op.f('ix_institution_kind'))

    op.drop_table('institution')
