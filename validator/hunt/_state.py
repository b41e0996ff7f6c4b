"""A campaign's state in one SQLite file (``DIR/campaign.sqlite``): its settings, every program
drawn (pending until its result is stored), and the clusters of findings.

Every result is committed as it arrives, so an interrupted campaign loses only the programs that
were in flight; ``fxtv hunt --resume DIR`` reruns those and goes on drawing new batches.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._evaluate import FINDINGS
from ._programs import Drawn

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS programs (
    key TEXT PRIMARY KEY,        -- Drawn.key: the program and its variant
    batch INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    task TEXT NOT NULL,          -- Drawn.to_json()
    outcome TEXT,                -- NULL while pending
    signature TEXT,              -- the cluster of a finding
    seconds REAL,
    result TEXT,                 -- the worker's record (JSON)
    done_at REAL
);
CREATE INDEX IF NOT EXISTS programs_signature ON programs(signature);
CREATE TABLE IF NOT EXISTS clusters (
    signature TEXT PRIMARY KEY,
    outcome TEXT NOT NULL,
    first_key TEXT NOT NULL,     -- the first program that showed it
    known TEXT,                  -- the known torch issue it matches, if any (JSON)
    shrunk TEXT,                 -- the shrunk program (Drawn JSON) and its result
    reproduces INTEGER,          -- the repro diverges between eager and torch.compile (1/0; NULL: not run)
    page TEXT                    -- the issue-ready page, relative to the campaign directory
);
"""


class State:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "campaign.sqlite"
        # WAL: a reader (a notebook, an export, a second look at a finding) never blocks the
        # campaign's commits; a writer waits up to a minute for another
        self.db = sqlite3.connect(self.path, timeout=60)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)
        self.db.commit()

    # ------------------------------------------------------------------ settings
    def meta(self) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in self.db.execute("SELECT key, value FROM meta")}

    def set_meta(self, **values: Any) -> None:
        self.db.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in values.items()]
        )
        self.db.commit()

    # ------------------------------------------------------------------ programs
    def next_batch(self) -> int:
        """The next batch to draw, counted apart from the programs: a batch that draws nothing
        new (or fails to draw) is not drawn again."""
        (b,) = self.db.execute("SELECT COALESCE(MAX(batch) + 1, 0) FROM programs").fetchone()
        b = max(int(b), int(self.meta().get("next_batch", 0)))
        self.set_meta(next_batch=b + 1)
        return b

    def add(self, drawn: list[Drawn]) -> int:
        """Store a batch's programs as pending; a program already seen is not drawn again."""
        before = self.count()
        self.db.executemany(
            "INSERT OR IGNORE INTO programs (key, batch, idx, task) VALUES (?, ?, ?, ?)",
            [(d.key, d.batch, d.index, json.dumps(d.to_json())) for d in drawn],
        )
        self.db.commit()
        return self.count() - before

    def pending(self) -> Iterator[tuple[dict[str, Any], bool]]:
        """Programs without a result, each with whether it ran before (a finding to run again)."""
        rows = self.db.execute("SELECT task, done_at FROM programs WHERE outcome IS NULL ORDER BY batch, idx")
        for task, done_at in rows.fetchall():
            yield json.loads(task), done_at is not None

    def record(self, key: str, result: dict[str, Any]) -> None:
        self.db.execute(
            "UPDATE programs SET outcome = ?, signature = ?, seconds = ?, result = ?, done_at = ? WHERE key = ?",
            (
                result.get("outcome"),
                result.get("signature") if result.get("outcome") in FINDINGS else None,
                result.get("seconds"),
                json.dumps(result, default=str),
                time.time(),
                key,
            ),
        )
        if result.get("outcome") in FINDINGS and result.get("signature"):
            self.db.execute(
                "INSERT OR IGNORE INTO clusters (signature, outcome, first_key) VALUES (?, ?, ?)",
                (result["signature"], result["outcome"], key),
            )
        self.db.commit()

    def recheck_findings(self) -> int:
        """Make every finding pending again (to rerun them after fxtv changed); their clusters
        are rebuilt from the new results."""
        marks = ",".join("?" * len(FINDINGS))
        n = self.db.execute(
            f"UPDATE programs SET outcome = NULL, signature = NULL, result = NULL WHERE outcome IN ({marks})", FINDINGS
        ).rowcount
        self.db.execute("DELETE FROM clusters")
        self.db.commit()
        return int(n)

    def clear_pages(self) -> None:
        """Have every cluster's page, label and repro check made again (its shrunk program stays)."""
        self.db.execute("UPDATE clusters SET page = NULL, known = NULL, reproduces = NULL")
        self.db.commit()

    def count(self, done: bool | None = None) -> int:
        where = "" if done is None else ("WHERE outcome IS NOT NULL" if done else "WHERE outcome IS NULL")
        (n,) = self.db.execute(f"SELECT COUNT(*) FROM programs {where}").fetchone()
        return int(n)

    def ran(self) -> int:
        """Programs run at least once, whether or not their result stands (``recheck_findings``)."""
        (n,) = self.db.execute("SELECT COUNT(*) FROM programs WHERE done_at IS NOT NULL").fetchone()
        return int(n)

    def findings(self) -> int:
        marks = ",".join("?" * len(FINDINGS))
        (n,) = self.db.execute(f"SELECT COUNT(*) FROM programs WHERE outcome IN ({marks})", FINDINGS).fetchone()
        return int(n)

    def done(self) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """(task, result) of every finished program, in the order they were drawn."""
        rows = self.db.execute("SELECT task, result FROM programs WHERE outcome IS NOT NULL ORDER BY batch, idx")
        for task, result in rows:
            yield json.loads(task), json.loads(result)

    def program(self, key: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
        task, result = self.db.execute("SELECT task, result FROM programs WHERE key = ?", (key,)).fetchone()
        return json.loads(task), json.loads(result) if result else None

    # ------------------------------------------------------------------ clusters
    def clusters(self) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT c.signature, c.outcome, c.first_key, c.known, c.shrunk, c.reproduces, c.page, COUNT(p.key) "
            "FROM clusters c LEFT JOIN programs p ON p.signature = c.signature GROUP BY c.signature "
            "ORDER BY COUNT(p.key) DESC, c.signature"
        )
        return [
            {
                "signature": s,
                "outcome": o,
                "first_key": k,
                "known": json.loads(kn) if kn else None,
                "shrunk": json.loads(sh) if sh else None,
                "reproduces": None if r is None else bool(r),
                "page": page,
                "programs": n,
            }
            for s, o, k, kn, sh, r, page, n in rows
        ]

    def update_cluster(self, signature: str, **fields: Any) -> None:
        cols = {k: (json.dumps(v) if k in ("known", "shrunk") and v is not None else v) for k, v in fields.items()}
        sets = ", ".join(f"{k} = ?" for k in cols)
        self.db.execute(f"UPDATE clusters SET {sets} WHERE signature = ?", (*cols.values(), signature))
        self.db.commit()

    def close(self) -> None:
        self.db.close()
