"""Type-checked from the user's side: the Alembic hooks an env.py passes."""

from alembic.runtime.environment import IncludeNameFn, RenderItemFn
from sqlalchemy import MetaData

from salesorder.adapters.sql import METADATA, include_in_migrations, render_in_migrations

target_metadata: MetaData = METADATA
include_name: IncludeNameFn = include_in_migrations
render_item: RenderItemFn = render_in_migrations
