"""Trame's output, read from a notebook.

Finds the work folder of `./trame demo` (or of TRAME_WORKDIR), opens project extracts and reads
their tables into pandas, verifies their checksums, and reads the run ledger, the warehouse and the
link report through the `trame` command itself.

Extract tables are read with pyarrow when it is installed (researchers usually have it). Without
pyarrow (Debian ships no Python Parquet reader), or for an encrypted extract, they are read through
`trame export --format csv`, which converts them to CSV once (after checking every file against the
manifest) into <workdir>/export/<project>/<extract>/, typed here from the manifest's columns.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
from pathlib import Path

import pandas as pd

REPOSITORY = Path(__file__).resolve().parent.parent


def workdir() -> Path:
    """The demo's work folder: TRAME_WORKDIR when set, else ./work, else the repository's work/."""
    named = os.environ.get("TRAME_WORKDIR")
    if named:
        return Path(named).expanduser().resolve()
    for candidate in (Path.cwd() / "work", REPOSITORY / "work"):
        if (candidate / "conf" / "trame.yaml").exists():
            return candidate.resolve()
    raise FileNotFoundError(
        "No Trame work folder: run ./trame demo first, or set TRAME_WORKDIR to its folder"
    )


def trame(*args: str) -> str:
    """Runs the trame launcher on the work folder's configuration; returns what it printed."""
    launcher = os.environ.get("TRAME_LAUNCHER", str(REPOSITORY / "trame"))
    command = [launcher, "--conf", str(workdir() / "conf"), *args]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"trame {' '.join(args)} exited {done.returncode}:\n{tail}")
    return done.stdout


def have_pyarrow() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True


# Spark types in the manifest -> pandas dtypes for the CSV path.
_DTYPES = {
    "string": "string",
    "bigint": "Int64",
    "int": "Int64",
    "smallint": "Int64",
    "tinyint": "Int64",
    "double": "float64",
    "float": "float64",
    "boolean": "boolean",
}


class Extract:
    """One project extract: its manifest, data dictionary, disclosure report and tables."""

    def __init__(self, project: str, extract_id: str | None = None):
        if extract_id is None:
            complete = extracts(project)
            if not complete:
                raise FileNotFoundError(
                    f"No complete extract of {project} in {workdir() / 'extracts' / project}"
                )
            extract_id = complete[-1]
        self.project = project
        self.id = extract_id
        self.folder = workdir() / "extracts" / project / extract_id
        self.manifest = json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))
        self.dictionary = (self.folder / "dictionary.md").read_text(encoding="utf-8")
        self.disclosure = json.loads((self.folder / "disclosure.json").read_text(encoding="utf-8"))
        self._tables = {t["name"]: t for t in self.manifest["tables"]}

    @property
    def tables(self) -> list[str]:
        return list(self._tables)

    def columns(self, table: str) -> pd.DataFrame:
        """The table's columns as the dictionary gives them: name, type, origin, treatment."""
        return pd.DataFrame(self._tables[table]["columns"])

    def verify(self) -> pd.DataFrame:
        """Every file of the manifest with its size and SHA-256 recomputed; column ok."""
        rows = []
        for entry in self.manifest["files"]:
            path = self.folder / entry["path"]
            digest = hashlib.sha256()
            size = 0
            if path.exists():
                with path.open("rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        digest.update(block)
                        size += len(block)
            actual = digest.hexdigest() if path.exists() else None
            rows.append(
                {
                    "file": entry["path"],
                    "bytes": entry["bytes"],
                    "ok": actual == entry["sha256"] and size == entry["bytes"],
                }
            )
        return pd.DataFrame(rows)

    def read(self, table: str) -> pd.DataFrame:
        """The table as a DataFrame (pyarrow when installed, else through trame export)."""
        if table not in self._tables:
            raise KeyError(f"{self.project}/{self.id} has no table {table}: {self.tables}")
        if have_pyarrow() and self.manifest.get("encryption") is None:
            files = [self.folder / f["path"] for f in self._tables[table]["files"]]
            if files:
                return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
            return self._empty(table)
        return self._read_csv(table)

    def _csv_folder(self) -> Path:
        return workdir() / "export" / self.project / self.id

    def _read_csv(self, table: str) -> pd.DataFrame:
        folder = self._csv_folder()
        if not all((folder / f"{t}.csv").exists() for t in self.tables):
            trame("export", "--project", self.project, "--extract", self.id, "--out", str(folder))
        columns = self._tables[table]["columns"]
        dtypes = {c["name"]: _DTYPES.get(c["type"], "string") for c in columns}
        dates = [c["name"] for c in columns if c["type"] in ("date", "timestamp")]
        for d in dates:
            dtypes.pop(d)
        frame = pd.read_csv(
            folder / f"{table}.csv", dtype=dtypes, keep_default_na=False, na_values=[""]
        )
        for d in dates:
            frame[d] = pd.to_datetime(frame[d])
        return frame

    def _empty(self, table: str) -> pd.DataFrame:
        columns = self._tables[table]["columns"]
        return pd.DataFrame(
            {c["name"]: pd.Series(dtype=_DTYPES.get(c["type"], "string")) for c in columns}
        )


def extracts(project: str) -> list[str]:
    """The ids of a project's complete extracts, oldest first."""
    root = workdir() / "extracts" / project
    if not root.exists():
        return []
    return sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (p / "manifest.json").exists()
    )


def runs() -> pd.DataFrame:
    """The run ledger, one row per run event (running, then succeeded/failed/rejected)."""
    lines = trame("runs", "--json", "--last", "100000").strip()
    if not lines:
        return pd.DataFrame()
    frame = pd.read_json(io.StringIO(lines), lines=True)
    for column in ("started", "ended"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def sql(query: str) -> pd.DataFrame:
    """A read-only Spark SQL query over the warehouse (see `trame sql --tables`)."""
    lines = trame("sql", query, "--format", "json", "--limit", "0").strip()
    if not lines:
        return pd.DataFrame()
    return pd.read_json(io.StringIO(lines), lines=True, dtype=False)


def link_report(run: str | None = None) -> dict:
    """The quality report of the latest link run (or of `run`), as a dict."""
    args = ["link", "--report", "--json"] + (["--run", run] if run else [])
    return json.loads(trame(*args))
