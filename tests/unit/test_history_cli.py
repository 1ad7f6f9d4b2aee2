"""`dbgen build/check/diff` over a migration history (no database: what is written, and when)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dbgen.emit.stamp import STAMP
from support import REPO_ROOT

BIN = Path(sys.executable).parent
VERSIONS = "generated/app_db/migrations/versions"
NICKNAME = (
    "    last_login_at timestamptz,\n",
    "    last_login_at timestamptz,\n    nickname text,\n",
)
PRONOUNS = ("    bio         text,\n", "    bio         text,\n    pronouns    text,\n")


def dbgen(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dbgen", *args],
        cwd=project,
        env=dict(os.environ, PYTHONHASHSEED="0"),
        capture_output=True,
        text=True,
        check=False,
    )


def ok(proc: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def versions(project: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((project / VERSIONS).iterdir()) if p.is_file()}


def tree(project: Path) -> dict[str, bytes]:
    root = project / "generated"
    # The stamp is left out: it records the inputs (a cosmetic edit changes it), not the output.
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and p.name != STAMP
    }


def edit(project: Path, *pairs: tuple[str, str]) -> None:
    schema = project / "specs" / "schema.sql"
    text = schema.read_text()
    for old, new in pairs:
        assert old in text
        text = text.replace(old, new, 1)
    schema.write_text(text)


def new_project(root: Path) -> Path:
    root.mkdir()
    shutil.copytree(REPO_ROOT / "specs", root / "specs")
    ok(dbgen(root, "build", "specs"))
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return new_project(tmp_path / "p")


def test_an_edit_adds_one_revision_and_keeps_the_first(project: Path) -> None:
    first = versions(project)
    edit(project, NICKNAME)
    out = ok(dbgen(project, "build", "specs")).stdout
    after = versions(project)
    assert {k: after[k] for k in first} == first
    added = sorted(set(after) - set(first))
    assert len(added) == 2 and added[0].endswith(".py") and added[1].endswith(".schema.diff")
    rev = added[0].split("_")[0]
    assert f"revision adds {rev}" in out and "hazards:" in out
    assert "+    nickname text,\n" in after[added[1]].decode()
    assert "up to date" in ok(dbgen(project, "build", "specs")).stdout
    assert versions(project) == after


def test_two_people_making_the_same_edit_get_the_same_file(project: Path, tmp_path: Path) -> None:
    other = new_project(tmp_path / "q")
    for p in (project, other):
        edit(p, NICKNAME)
        ok(dbgen(p, "build", "specs"))
    assert versions(project) == versions(other)


def test_check_and_diff_show_the_pending_revision(project: Path) -> None:
    (initial,) = [n for n in versions(project) if n.endswith(".py")]
    edit(project, NICKNAME)
    check = dbgen(project, "check", "specs")
    assert check.returncode == 1
    assert f"schema changed since revision {initial.split('_')[0]}: run dbgen build" in check.stderr
    diff = dbgen(project, "diff", "specs")
    assert diff.returncode == 1
    assert "ADD COLUMN nickname text" in diff.stdout
    assert versions(project) == {n: b for n, b in versions(project).items()}
    assert len(versions(project)) == 2, "check and diff write nothing"


def test_message_names_the_revision(project: Path) -> None:
    edit(project, NICKNAME)
    ok(dbgen(project, "build", "specs", "-m", "Users get a nickname!"))
    (name,) = [n for n in versions(project) if n.endswith("_users_get_a_nickname.py")]
    text = versions(project)[name].decode()
    assert '"""Users get a nickname!\n\nAdd column users.nickname.' in text


def test_a_cosmetic_edit_adds_no_revision(project: Path) -> None:
    before = tree(project)
    edit(project, ("-- Users ---", "-- People ---"))
    ok(dbgen(project, "check", "specs"))
    assert "up to date" in ok(dbgen(project, "build", "specs")).stdout
    assert tree(project) == before


def test_destructive_changes_are_refused_unless_allowed(project: Path) -> None:
    before = tree(project)
    edit(project, ("    bio         text,\n", ""))
    refused = dbgen(project, "build", "specs")
    assert refused.returncode == 2
    assert "warning[destructive-change]" in refused.stderr
    assert "schema.sql" in refused.stderr.split("warning[destructive-change]")[0]
    assert "nothing written" in refused.stderr
    assert tree(project) == before
    assert dbgen(project, "check", "specs").returncode == 1
    ok(dbgen(project, "build", "specs", "--allow-destructive"))
    assert len(versions(project)) == 4


def test_the_config_key_allows_destructive_changes(project: Path) -> None:
    edit(project, ("    bio         text,\n", ""))
    (project / "specs" / "dbgen.toml").write_text("allow_destructive = true\n")
    ok(dbgen(project, "build", "specs"))
    assert len(versions(project)) == 4


def test_a_hand_written_revision_is_kept_and_the_next_one_follows_it(project: Path) -> None:
    (initial,) = [n.split("_")[0] for n in versions(project) if n.endswith(".py")]
    data = project / VERSIONS / "0badc0ffee00_backfill.py"
    data.write_text(
        f'"""Backfill."""\n\nrevision = "0badc0ffee00"\ndown_revision = "{initial}"\n\n\n'
        "def upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n"
    )
    body = data.read_bytes()
    ok(dbgen(project, "check", "specs"))  # the user's file: not "extra"
    assert "up to date" in ok(dbgen(project, "build", "specs")).stdout
    edit(project, NICKNAME)
    ok(dbgen(project, "build", "specs"))
    assert data.read_bytes() == body
    (new,) = [
        b
        for n, b in versions(project).items()
        if n.endswith(".py") and n[:12] not in (initial, "0badc0ffee00")
    ]
    assert b'down_revision: str | Sequence[str] | None = "0badc0ffee00"' in new
    assert "0badc0ffee00_backfill.py" not in (project / "generated/dbgen-manifest.txt").read_text()


def test_fold_rewrites_only_the_newest_revision(project: Path, tmp_path: Path) -> None:
    first = versions(project)
    edit(project, NICKNAME)
    ok(dbgen(project, "build", "specs"))
    edit(project, PRONOUNS)
    out = ok(dbgen(project, "build", "specs", "--fold")).stdout
    assert "replaces" in out
    folded = versions(project)
    assert len(folded) == 4 and {k: folded[k] for k in first} == first
    # The same as making both edits at once.
    other = new_project(tmp_path / "q")
    edit(other, NICKNAME, PRONOUNS)
    ok(dbgen(other, "build", "specs"))
    assert versions(other) == folded
    assert "ADD COLUMN pronouns" in b"".join(folded.values()).decode()


def test_fold_of_the_first_revision_writes_it_again(project: Path) -> None:
    edit(project, NICKNAME)
    ok(dbgen(project, "build", "specs", "--fold"))
    after = versions(project)
    assert len(after) == 2
    assert b"nickname" in b"".join(after.values())


def test_fold_refuses_a_hand_written_head(project: Path) -> None:
    (initial,) = [n.split("_")[0] for n in versions(project) if n.endswith(".py")]
    (project / VERSIONS / "0badc0ffee00_data.py").write_text(
        f'revision = "0badc0ffee00"\ndown_revision = "{initial}"\n'
    )
    edit(project, NICKNAME)
    proc = dbgen(project, "build", "specs", "--fold")
    assert proc.returncode == 2
    assert "error[fold-not-dbgen]" in proc.stderr


def test_an_edited_dbgen_revision_is_kept_as_edited(project: Path) -> None:
    edit(project, NICKNAME)
    ok(dbgen(project, "build", "specs"))
    (name,) = [n for n in versions(project) if n.endswith(".py") and "initial" not in n]
    path = project / VERSIONS / name
    path.write_text(path.read_text() + "\n# reviewed: backfill nicknames in the next release\n")
    edited = path.read_bytes()
    ok(dbgen(project, "build", "specs"))
    assert path.read_bytes() == edited
    ok(dbgen(project, "check", "specs"))


def test_a_broken_history_is_refused_with_its_location(project: Path) -> None:
    before = tree(project)
    (project / VERSIONS / "dangling.py").write_text('revision = "x"\ndown_revision = "nope"\n')
    edit(project, NICKNAME)
    proc = dbgen(project, "build", "specs")
    assert proc.returncode == 2
    assert f"{VERSIONS}/dangling.py:1:1: error[history-broken]" in proc.stderr
    assert {k: v for k, v in tree(project).items() if not k.endswith("dangling.py")} == before


def test_two_branches_merged_with_alembic_merge(project: Path, tmp_path: Path) -> None:
    other = tmp_path / "q"
    shutil.copytree(project, other)  # a second branch from the same commit
    edit(project, NICKNAME)
    ok(dbgen(project, "build", "specs"))
    edit(other, PRONOUNS)
    ok(dbgen(other, "build", "specs"))
    # git merge: both branches' revisions in versions/, both edits in schema.sql.
    for name, data in versions(other).items():
        (project / VERSIONS / name).write_bytes(data)
    edit(project, PRONOUNS)
    heads = dbgen(project, "build", "specs")
    assert heads.returncode == 2 and "error[history-heads]" in heads.stderr
    merge = subprocess.run(
        [BIN / "alembic", "-c", "generated/alembic.ini", "merge", "heads", "-m", "merge"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert merge.returncode == 0, merge.stdout + merge.stderr
    merged = versions(project)
    out = ok(dbgen(project, "build", "specs")).stdout
    assert "revision adds" not in out  # the merge's schema is both edits: nothing is due
    assert versions(project) == merged
    ok(dbgen(project, "check", "specs"))
    (merge_rev,) = [n[:12] for n in merged if n.endswith("_merge.py")]
    edit(project, ("    timezone    text", "    tz_name     text"))
    ok(dbgen(project, "build", "specs", "--allow-destructive"))
    (new,) = [b for n, b in versions(project).items() if n not in merged and n.endswith(".py")]
    assert f'down_revision: str | Sequence[str] | None = "{merge_rev}"'.encode() in new


def test_a_schema_in_several_files_is_recorded_by_file(project: Path) -> None:
    (project / "specs" / "zz_invites.sql").write_text(
        "CREATE TABLE invites (\n    id integer PRIMARY KEY,\n"
        "    user_id uuid REFERENCES users (id)\n);\n"
    )
    ok(dbgen(project, "build", "specs"))
    (diff,) = [
        b.decode()
        for n, b in versions(project).items()
        if n.endswith(".diff") and "initial" not in n
    ]
    assert "--- /dev/null\n+++ b/zz_invites.sql\n" in diff and "schema.sql" not in diff
    edit(project, NICKNAME)
    (project / "specs" / "zz_invites.sql").unlink()
    ok(dbgen(project, "build", "specs", "--allow-destructive"))
    diffs = [b.decode() for n, b in versions(project).items() if n.endswith(".diff")]
    assert any("--- a/zz_invites.sql\n+++ /dev/null\n" in d and "+    nickname" in d for d in diffs)
    assert "up to date" in ok(dbgen(project, "build", "specs")).stdout


def test_a_renamed_package_takes_its_history_along(project: Path) -> None:
    edit(project, NICKNAME)
    ok(dbgen(project, "build", "specs"))
    history = versions(project)
    crud = project / "specs" / "crud.yaml"
    crud.write_text(crud.read_text().replace("package: app_db", "package: other_db", 1))
    ok(dbgen(project, "build", "specs"))
    moved = project / "generated/other_db/migrations/versions"
    assert {p.name: p.read_bytes() for p in moved.iterdir() if p.is_file()} == history
    assert not (project / VERSIONS).exists()
    ok(dbgen(project, "check", "specs"))


def test_a_renamed_package_with_revisions_of_yours_asks_to_move_them(project: Path) -> None:
    (initial,) = [n.split("_")[0] for n in versions(project) if n.endswith(".py")]
    (project / VERSIONS / "0badc0ffee00_data.py").write_text(
        f'revision = "0badc0ffee00"\ndown_revision = "{initial}"\n'
    )
    crud = project / "specs" / "crud.yaml"
    crud.write_text(crud.read_text().replace("package: app_db", "package: other_db", 1))
    proc = dbgen(project, "build", "specs")
    assert proc.returncode == 2
    assert f"{VERSIONS}:1:1: error[history-moved]" in proc.stderr
