"""A FastAPI application on the demo package: routes over the generated unit of work, typed
errors as HTTP statuses, the engines disposed at shutdown.

    pip install -e generated/ fastapi uvicorn
    export DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/tracker
    alembic -c generated/alembic.ini upgrade head
    uvicorn --app-dir docs/examples fastapi_app:app

tests/live/test_examples.py drives it over httpx on a fresh database; the README shows the
region marked ``# [snippet:app]``.
"""

# [snippet:app]
import uuid
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app_db.db import lifespan
from app_db.errors import DataLayerError, NotFoundError, http_detail, http_status
from app_db.schemas import UserCreate, UserRead, UserUpdate
from app_db.uow import UnitOfWork, get_uow

app = FastAPI(lifespan=lifespan)  # disposes the default engines at shutdown
# One unit of work per request: committed before the response is sent, rolled back on error.
Uow = Annotated[UnitOfWork, Depends(get_uow, scope="function")]


@app.exception_handler(DataLayerError)
async def data_layer_error(request: Request, exc: DataLayerError) -> JSONResponse:
    # 404 not found, 409 already exists / conflict, 422 constraint / invalid query, 503, 504
    return JSONResponse(http_detail(exc), status_code=http_status(exc))


class UserPage(BaseModel):
    items: list[UserRead]
    next_cursor: str | None


@app.post("/users", status_code=201)
async def create_user(data: UserCreate, uow: Uow) -> UserRead:
    return UserRead.model_validate(await uow.users.create(data))


@app.get("/users")
async def list_users(uow: Uow, limit: int = 20, after: str | None = None) -> UserPage:
    page = await uow.users.list(order_by=["email"], limit=limit, after=after)
    items = [UserRead.model_validate(u) for u in page.items]
    return UserPage(items=items, next_cursor=page.next_cursor)


@app.get("/users/{user_id}")
async def get_user(user_id: uuid.UUID, uow: Uow) -> UserRead:
    user = await uow.users.get(user_id)
    if user is None:
        raise NotFoundError("users", user_id)
    return UserRead.model_validate(user)


@app.patch("/users/{user_id}")
async def update_user(user_id: uuid.UUID, data: UserUpdate, uow: Uow) -> UserRead:
    return UserRead.model_validate(await uow.users.update(user_id, data))


@app.delete("/users/{user_id}", status_code=204)
async def delete_user(user_id: uuid.UUID, uow: Uow) -> Response:
    await uow.users.delete(user_id)
    return Response(status_code=204)


# [/snippet:app]
