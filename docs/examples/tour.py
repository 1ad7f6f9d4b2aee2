"""The README's tour of the demo package (specs/ -> generated/), as a program that runs.

    pip install -e generated/            # the generated package, with its dependencies
    export DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/tracker
    alembic -c generated/alembic.ini upgrade head    # the schema, from the generated migration
    python docs/examples/tour.py

tests/live/test_examples.py runs exactly these steps on a fresh database, and checks that the
README's snippets are the regions marked ``# [snippet:NAME]`` here.
"""

# [snippet:tour]
import asyncio

from app_db.db import dispose_engines
from app_db.enums import TaskStatus
from app_db.schemas import ProjectCreate, TaskCreate, TaskFilter, UserCreate
from app_db.uow import UnitOfWork


async def main() -> None:
    async with UnitOfWork() as uow:  # the engine from DATABASE_URL; commits when the block ends
        owner = await uow.users.create(UserCreate(email="ada@example.com", display_name="Ada"))
        project = await uow.projects.create(
            ProjectCreate(slug="docs", name="Docs", owner_id=owner.id)
        )
        for number, title in enumerate(["Write docs", "Review docs"], start=1):
            await uow.tasks.create(TaskCreate(project_id=project.id, number=number, title=title))

    async with UnitOfWork(read_only=True) as uow:
        page = await uow.tasks.list(
            where=TaskFilter(status__in=[TaskStatus.TODO]),
            order_by=["number"],
            limit=20,
            load=["projects"],  # the related rows to load with them
        )
        for task in page.items:
            print(f"{task.project.slug}-{task.number}: {task.title}")
        async for task in uow.tasks.stream(order_by=["id"], batch_size=1000):  # a server-side
            print(task.number, task.status)  # cursor: memory stays flat

    await dispose_engines()  # close the pooled connections before the event loop ends


if __name__ == "__main__":
    asyncio.run(main())
# [/snippet:tour]
