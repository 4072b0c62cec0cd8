"""The lake: Delta tables on disk (or an object store) with time travel.

Every table is created from its :class:`~riskcap.data.schemas.TableSpec`, so its
schema is explicit and fixed. Each write is **one Delta commit** (atomic: readers
see all of it or none of it) tagged with ``riskcap.*`` commit metadata: the
operation, the source file's sha256, the input table versions read. Any table can
be read as of a version or a timestamp.

Writers of one table are serialised by a file lock in ``<lake>/_locks`` so that a
check-then-write (idempotent ingest, unique trade ids) is never interleaved with
another process. Object-store lakes rely on Delta's optimistic concurrency alone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import functools
import json
import logging
import operator
import os
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from deltalake import CommitProperties, DeltaTable, PostCommitHookProperties, write_deltalake
from deltalake import Field as DeltaField
from deltalake.exceptions import CommitFailedError, DeltaError, TableNotFoundError
from filelock import FileLock

from riskcap.config import Settings
from riskcap.data.schemas import TABLES, TableSpec
from riskcap.errors import LakeError, NotFoundError

log = logging.getLogger(__name__)

META_PREFIX = "riskcap."
LOCK_TIMEOUT_S = 300.0
PINNED_CACHE = 256  # tables kept open at pinned versions (a run reads ~15 tables)
# bytes of Arrow tables a Lake keeps from reads at a pinned version: an EOD run reads
# the same slice (positions, instruments, the day's vols …) from several tasks
READ_CACHE_BYTES = 64 * 2**20
CHECKPOINT_EVERY = 10  # a Delta checkpoint every this many versions: log replay stays short
# an unpartitioned table with more files is compacted after a write (each small file
# costs ~0.5 ms on every read; files at delta-rs' target size are left as they are)
COMPACT_ABOVE_FILES = 8
# commits never delete old log entries (time travel to every pinned version stays);
# checkpoints are written by :meth:`Lake.maintain`, on a schedule of our own
# (lake root, table) whose columns this process has checked against the spec
_ENSURED: set[tuple[str, str]] = set()
KEEP_HISTORY = PostCommitHookProperties(create_checkpoint=False, cleanup_expired_logs=False)
# tables every EOD task reads in overlapping slices (the market history up to a date,
# of some factors; the day's curves and vols, one date of a long unpartitioned table):
# a local pinned version is read whole once per process and each slice filtered from
# it in memory (the same rows in the same order); the newest versions of each table
# are kept, at most WHOLE_READ_VERSIONS of them
WHOLE_READ_TABLES = frozenset({"market_data", "curves", "vols"})
WHOLE_READ_VERSIONS = 2
WHOLE_READ_BYTES = 384 * 2**20  # and at most this much of them (oldest dropped first)
# a version with more rows is read slice by slice as before (a bank's ten years of
# full vol surfaces would not fit in memory whole)
WHOLE_READ_MAX_ROWS = 5_000_000
WHOLE_READ_MAX_FILES = 128 * 2**20  # bytes of Parquet (row counts may be missing)
_WHOLE: dict[tuple[str, int, tuple[int, int, int]], pa.Table] = {}
_WHOLE_LOCK = threading.Lock()


class WriteMode(enum.StrEnum):
    """How a write changes a table (always one atomic commit)."""

    APPEND = "append"  # add rows
    REPLACE_WHERE = "replace_where"  # replace the rows matching a predicate
    UPSERT = "upsert"  # merge on the table key: update matches, insert the rest


@dataclass(frozen=True)
class Commit:
    """One entry of a table's history."""

    version: int
    timestamp: dt.datetime
    operation: str
    metadata: dict[str, str]
    rows_added: int | None


def _commit(h: Mapping[str, Any]) -> Commit:
    """A Delta history entry as a :class:`Commit` (riskcap's metadata keys unprefixed)."""
    meta = {k.removeprefix(META_PREFIX): str(v) for k, v in h.items() if k.startswith(META_PREFIX)}
    metrics = h.get("operationMetrics") or {}
    added = metrics.get("num_added_rows")
    return Commit(
        version=int(h["version"]),
        timestamp=dt.datetime.fromtimestamp(h["timestamp"] / 1000, tz=dt.UTC),
        operation=str(h.get("operation", "")),
        metadata=meta,
        rows_added=added if added is not None else metrics.get("num_target_rows_inserted"),
    )


def _commit_file(version: int) -> str:
    """The name of a commit's file in ``_delta_log`` (Delta protocol: 20 digits)."""
    return f"{version:020d}.json"


def _spec(table: str) -> TableSpec:
    try:
        return TABLES[table]
    except KeyError:
        known = ", ".join(sorted(TABLES))
        raise NotFoundError(f"unknown lake table '{table}' (known: {known})") from None


class Lake:
    """A folder or URI of Delta tables named after :data:`riskcap.data.schemas.TABLES`."""

    def __init__(
        self,
        root: str | Path,
        storage_options: Mapping[str, str] | None = None,
        *,
        dir_mode: int | None = None,
    ):
        self.root = str(root)
        self.storage_options = dict(storage_options) if storage_options else None
        self._local = "://" not in self.root or self.root.startswith("file://")
        # permissions of a local root folder this object creates (None: the umask's)
        self.dir_mode = dir_mode
        # tables opened at a pinned version (immutable), most recent last
        self._pinned: dict[tuple[str, int], DeltaTable] = {}
        # results of reads at a pinned version (immutable Arrow tables), oldest first
        self._reads: dict[tuple[str, int, str, str], pa.Table] = {}
        self._read_bytes = 0
        self._read_lock = threading.Lock()  # the service reads from several threads
        self._ensured: set[str] = set()  # tables known to exist with every column
        self._existing: set[str] = set()  # tables known to exist

    @classmethod
    def of(cls, settings: Settings) -> Lake:
        """The lake of ``settings`` (a new local folder gets ``lake.dir_mode``)."""
        return cls(settings.lake_path, dir_mode=settings.lake.dir_permissions)

    def _make_root(self) -> Path:
        """The local root folder, created (with ``dir_mode``) when missing."""
        root = Path(self.root.removeprefix("file://"))
        if not root.exists():
            root.mkdir(parents=True, exist_ok=True)
            if self.dir_mode is not None:
                root.chmod(self.dir_mode)
        return root

    def __repr__(self) -> str:
        return f"Lake({self.root!r})"

    # -- layout ---------------------------------------------------------------------
    def uri(self, table: str) -> str:
        _spec(table)
        return f"{self.root.rstrip('/')}/{table}"

    def _log_dir(self, table: str) -> Path | None:
        """The ``_delta_log`` folder of a local table (None for a remote lake)."""
        if not self._local:
            return None
        return Path(self.uri(table).removeprefix("file://")) / "_delta_log"

    def exists(self, table: str) -> bool:
        """Whether ``table`` is a Delta table. Once found it is remembered (tables are
        never dropped); locally the first commit or a checkpoint pointer is looked for
        by name (delta-rs lists the whole log, which grows by a file a commit)."""
        if table in self._existing:
            return True
        log_dir = self._log_dir(table)
        found = (
            log_dir is not None
            and ((log_dir / _commit_file(0)).is_file() or (log_dir / "_last_checkpoint").is_file())
        ) or bool(DeltaTable.is_deltatable(self.uri(table), self.storage_options))
        if found:
            self._existing.add(table)
        return found

    def create_all(self) -> None:
        """Create every table that does not exist yet (empty, version 0)."""
        for name in TABLES:
            self.ensure(name)

    def ensure(self, table: str) -> None:
        """Create ``table`` from its spec unless it exists; add the nullable columns a
        newer spec has to a table created by an older riskcap (one commit). Checked
        once per table and process: tables are never dropped."""
        if table in self._ensured:
            return
        if self.exists(table):
            if (self.root, table) not in _ENSURED:
                self._add_new_columns(table)
                _ENSURED.add((self.root, table))
            self._ensured.add(table)
            return
        spec = _spec(table)
        if self._local:
            self._make_root()
        with self.lock(table):
            if self.exists(table):
                return
            DeltaTable.create(
                self.uri(table),
                spec.schema,
                mode="ignore",
                partition_by=list(spec.partition_by) or None,
                storage_options=self.storage_options,
                commit_properties=CommitProperties(
                    custom_metadata={META_PREFIX + "operation": "create"}
                ),
            )

    def _add_new_columns(self, table: str) -> None:
        spec = _spec(table)
        have = set(self.table(table).schema().to_arrow().names)
        new = [f for f in spec.schema if f.name not in have]
        if not new:
            return
        if not all(f.nullable for f in new):
            raise LakeError(
                f"table '{table}' lacks required column(s) "
                f"{', '.join(f.name for f in new if not f.nullable)}: it was made by an "
                "incompatible riskcap version"
            )
        # no writer lock here (callers may hold it): the change is one Delta commit, and
        # a concurrent process that added the columns first makes this one a no-op
        try:
            self.table(table).alter.add_columns(
                [DeltaField.from_arrow(f) for f in new],
                commit_properties=CommitProperties(
                    custom_metadata={META_PREFIX + "operation": "add_columns"}
                ),
                post_commithook_properties=KEEP_HISTORY,
            )
        except DeltaError:
            have = set(self.table(table).schema().to_arrow().names)
            if any(f.name not in have for f in new):
                raise
        log.info("table %s: added column(s) %s", table, [f.name for f in new])

    @contextlib.contextmanager
    def lock(self, table: str) -> Iterator[None]:
        """Exclusive writer lock on one table across processes (local lakes)."""
        if not self._local:
            yield
            return
        lock_dir = self._make_root() / "_locks"
        lock_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(lock_dir / f"{table}.lock"), timeout=LOCK_TIMEOUT_S):
            yield

    # -- reading --------------------------------------------------------------------
    def table(
        self, table: str, *, version: int | None = None, at: dt.datetime | None = None
    ) -> DeltaTable:
        """The Delta table, optionally as of ``version`` or timestamp ``at`` (UTC)."""
        if version is not None and at is not None:
            raise LakeError("give either a version or a timestamp, not both")
        uri = self.uri(table)
        if version is not None:  # a pinned version never changes: open it once
            cached = self._pinned.get((table, version))
            if cached is not None:
                return cached
            if version >= 0:
                try:
                    dtab = DeltaTable(uri, version=version, storage_options=self.storage_options)
                except TableNotFoundError:
                    raise NotFoundError(
                        f"table '{table}' does not exist in lake {self.root}"
                    ) from None
                except DeltaError:
                    dtab = None  # no such version: say which exist below
                if dtab is not None:
                    if len(self._pinned) >= PINNED_CACHE:
                        self._pinned.pop(next(iter(self._pinned)))
                    self._pinned[(table, version)] = dtab
                    return dtab
        try:
            dtab = DeltaTable(uri, storage_options=self.storage_options)
        except TableNotFoundError:
            raise NotFoundError(f"table '{table}' does not exist in lake {self.root}") from None
        latest = dtab.version()
        if version is not None:
            raise NotFoundError(f"table '{table}' has no version {version} (versions 0..{latest})")
        if at is not None:
            when = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
            created = self.history(table)[-1].timestamp
            if when < created:
                raise NotFoundError(
                    f"table '{table}' did not exist at {when.isoformat()} "
                    f"(created {created.isoformat()})"
                )
            try:
                dtab.load_as_version(when)
            except DeltaError as exc:
                raise NotFoundError(f"table '{table}' at {when.isoformat()}: {exc}") from exc
        return dtab

    def version(self, table: str) -> int:
        """Latest version of ``table`` (``-1`` when it does not exist)."""
        if not self.exists(table):
            return -1
        local = self._local_version(table)
        if local is not None:
            return local
        return int(DeltaTable(self.uri(table), storage_options=self.storage_options).version())

    def _local_version(self, table: str) -> int | None:
        """The latest version of a local table from the log's file names: from the
        last checkpoint (written every :data:`CHECKPOINT_EVERY` versions) forward to the
        first commit file that is not there — a few ``stat`` calls, where opening the
        table lists every file of its log. None when it cannot tell (remote lake, no
        log yet)."""
        log_dir = self._log_dir(table)
        if log_dir is None:
            return None
        try:
            version = int(json.loads((log_dir / "_last_checkpoint").read_text())["version"])
        except (OSError, ValueError, KeyError, TypeError):
            version = 0
        if not (log_dir / _commit_file(version)).is_file():
            return None
        while (log_dir / _commit_file(version + 1)).is_file():
            version += 1
        return version

    def versions(self, tables: list[str] | tuple[str, ...]) -> dict[str, int]:
        return {t: self.version(t) for t in tables}

    def read(
        self,
        table: str,
        *,
        version: int | None = None,
        at: dt.datetime | None = None,
        filters: list[tuple[str, str, Any]] | None = None,
        columns: list[str] | None = None,
    ) -> pa.Table:
        """Read ``table`` (optionally time-travelled and filtered) as an Arrow table.

        A table that does not exist yet (or version ``-1``, the version
        :meth:`version` gives a table that did not exist) reads as empty with its schema.
        """
        spec = _spec(table)
        if version == -1 or not self.exists(table):  # -1: pinned before the table existed
            if (version is not None and version != -1) or at is not None:
                raise NotFoundError(f"table '{table}' does not exist in lake {self.root}")
            empty = spec.schema.empty_table()
            return empty.select(columns) if columns else empty
        if version is None and at is None:  # the latest, opened once per version
            version = self._local_version(table)
        if table in WHOLE_READ_TABLES and version is not None and at is None:
            whole = self._whole(table, spec, version)
            if whole is not None:
                if filters:
                    whole = whole.filter(filter_expression(spec.schema, filters))
                return whole.select(columns) if columns is not None else whole
        key = None
        if version is not None and at is None:  # a pinned version's slice never changes
            key = (table, version, repr(filters), repr(columns))
            with self._read_lock:
                cached = self._reads.get(key)
            if cached is not None:
                return cached
        result = self._read(table, spec, version, at, filters, columns)
        if key is not None:
            self._remember(key, result)
        return result

    def keeps_whole(self, table: str) -> bool:
        """Whether reads of ``table`` at a pinned version are filtered from the whole
        version kept in memory (:data:`WHOLE_READ_TABLES`, local lakes)."""
        return self._local and table in WHOLE_READ_TABLES

    def _whole(self, table: str, spec: TableSpec, version: int) -> pa.Table | None:
        """``table`` at ``version`` read whole, kept for this process (see
        :data:`WHOLE_READ_TABLES`). The key holds the version's commit file identity
        (inode, modification time, size): a lake rebuilt at the same path is read
        again. None for a remote lake or a version whose commit file is gone."""
        log_dir = self._log_dir(table)
        if log_dir is None:
            return None
        try:
            st = (log_dir / _commit_file(version)).stat()
        except OSError:
            return None
        key = (str(log_dir), version, (st.st_ino, st.st_mtime_ns, st.st_size))
        with _WHOLE_LOCK:
            cached = _WHOLE.get(key)
        if cached is not None:
            return cached
        actions = pa.table(self.table(table, version=version).get_add_actions(flatten=True))
        rows = pc.sum(actions["num_records"]).as_py() or 0
        stored = pc.sum(actions["size_bytes"]).as_py() or 0
        if rows > WHOLE_READ_MAX_ROWS or stored > WHOLE_READ_MAX_FILES:
            return None
        whole = self._read(table, spec, version, None, None, None)
        with _WHOLE_LOCK:
            _WHOLE[key] = whole
            same = [k for k in _WHOLE if k[0] == key[0]]
            for old in same[:-WHOLE_READ_VERSIONS]:
                del _WHOLE[old]
            while len(_WHOLE) > 1 and sum(t.nbytes for t in _WHOLE.values()) > WHOLE_READ_BYTES:
                del _WHOLE[next(iter(_WHOLE))]
        return whole

    def _remember(self, key: tuple[str, int, str, str], result: pa.Table) -> None:
        """Keep a pinned read (Arrow tables are immutable, so callers may share it),
        dropping the oldest while the kept bytes exceed :data:`READ_CACHE_BYTES`."""
        size = result.nbytes
        if size > READ_CACHE_BYTES // 4:  # a history: read once a run anyway
            return
        with self._read_lock:
            if key in self._reads:  # another thread read it meanwhile
                return
            self._reads[key] = result
            self._read_bytes += size
            while self._read_bytes > READ_CACHE_BYTES:
                self._read_bytes -= self._reads.pop(next(iter(self._reads))).nbytes

    def _read(
        self,
        table: str,
        spec: TableSpec,
        version: int | None,
        at: dt.datetime | None,
        filters: list[tuple[str, str, Any]] | None,
        columns: list[str] | None,
    ) -> pa.Table:
        dtab = self.table(table, version=version, at=at)
        expression = filter_expression(spec.schema, filters) if filters else None
        stored = set(dtab.schema().to_arrow().names)
        wanted = columns if columns is not None else spec.columns
        # partition filters prune files while the log is replayed, before any file is
        # set up: reading one as_of costs the same on day 250 as on day 1
        pruning = _partition_predicate(spec, filters or [])
        present = [c for c in wanted if c in stored]
        if pruning is not None and self._local and not _deletion_vectors(dtab):
            result = self._read_partitions(dtab, spec, stored, pruning, present, expression)
        else:
            result = dtab.to_pyarrow_dataset(file_pruning_predicate=pruning).to_table(
                columns=present, filter=expression
            )
        for name in wanted:  # a nullable column added after the table was made
            if name not in stored:
                result = result.append_column(
                    spec.schema.field(name), pa.nulls(result.num_rows, spec.schema.field(name).type)
                )
        return result.select(wanted).cast(_sub(spec.schema, wanted))

    def _read_partitions(
        self,
        dtab: DeltaTable,
        spec: TableSpec,
        stored: set[str],
        pruning: str,
        columns: list[str],
        expression: pc.Expression | None,
    ) -> pa.Table:
        """Read the files of the selected partitions with Arrow directly (Hive-style
        partition values from their paths): a window of 250 daily partitions — the
        backtest's history — reads in a third of the time of building the Delta
        dataset's fragments one by one."""
        files = dtab.file_uris(file_pruning_predicate=pruning)
        schema = pa.schema([f for f in spec.schema if f.name in stored])
        if not files:
            return schema.empty_table().select(columns)
        partitioning = ds.partitioning(
            pa.schema([spec.schema.field(c) for c in spec.partition_by]), flavor="hive"
        )
        dataset = ds.dataset(
            files,
            schema=schema,
            format="parquet",
            partitioning=partitioning,
            partition_base_dir=str(Path(self.uri(spec.name).removeprefix("file://"))),
        )
        return dataset.to_table(columns=columns, filter=expression)

    def files(
        self,
        table: str,
        *,
        version: int,
        partitions: list[tuple[str, str, Any]] | None = None,
    ) -> list[str]:
        """URIs of the Parquet files that make up ``table`` at ``version`` (optionally
        only the partitions matching ``partitions``), for engines that read Parquet
        themselves (Spark). Refuses a version with deletion vectors, whose files alone
        would not be the table."""
        dtab = self.table(table, version=version)
        protocol = dtab.protocol()
        if "deletionVectors" in (protocol.reader_features or []):
            raise LakeError(
                f"table '{table}' v{version} uses deletion vectors; read it through the lake"
            )
        spec = _spec(table)
        others = [c for c, _, _ in partitions or [] if c not in spec.partition_by]
        if others:  # pruning on other columns keeps any file whose statistics may match
            raise LakeError(
                f"table '{table}': files can be selected by partition only, not {others}"
            )
        return sorted(dtab.file_uris(file_pruning_predicate=partitions or None))

    def history(self, table: str) -> list[Commit]:
        """Commits of ``table``, newest first.

        A commit never changes once written, so a local lake keeps the entries it has
        read in ``_history/<table>.json`` (with the table's id and the last version
        read) and reads from the Delta log only the commits after it: finding an
        ingested file's commit costs the same on day 250 as on day 1."""
        if not self.exists(table):
            raise NotFoundError(f"table '{table}' does not exist in lake {self.root}")
        dtab = DeltaTable(self.uri(table), storage_options=self.storage_options)
        latest, table_id = dtab.version(), str(dtab.metadata().id)
        cached = self._cached_history(table, table_id, latest)
        newer = latest - (cached[0].version if cached else -1)
        fresh = [_commit(h) for h in dtab.history(limit=newer)] if newer > 0 else []
        out = sorted(
            {c.version: c for c in [*cached, *fresh]}.values(),
            key=lambda c: c.version,
            reverse=True,
        )
        if fresh and self._local:
            self._store_history(table, table_id, out)
        return out

    def _history_file(self, table: str) -> Path:
        return Path(self.root.removeprefix("file://")) / "_history" / f"{table}.json"

    def _cached_history(self, table: str, table_id: str, latest: int) -> list[Commit]:
        """The cached commits of ``table`` (newest first), or none when the cache is
        missing, unreadable, or of another table (a table made again under the name)."""
        if not self._local:
            return []
        try:
            data = json.loads(self._history_file(table).read_text())
            if data["table_id"] != table_id:
                return []
            commits = [
                Commit(
                    version=int(c["version"]),
                    timestamp=dt.datetime.fromisoformat(c["timestamp"]),
                    operation=str(c["operation"]),
                    metadata={str(k): str(v) for k, v in c["metadata"].items()},
                    rows_added=c["rows_added"],
                )
                for c in data["commits"]
            ]
        except (OSError, ValueError, KeyError, TypeError):
            return []
        return [c for c in commits if c.version <= latest]

    def _store_history(self, table: str, table_id: str, commits: list[Commit]) -> None:
        path = self._history_file(table)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            record = {
                "table_id": table_id,
                "commits": [
                    {**dataclasses.asdict(c), "timestamp": c.timestamp.isoformat()} for c in commits
                ],
            }
            partial = path.with_suffix(f".{os.getpid()}.tmp")
            partial.write_text(json.dumps(record))
            os.replace(partial, path)  # readers see the old file or the new one, whole
        except OSError as exc:  # a cache: reading the log again is always right
            log.debug("history cache of %s not written: %s", table, exc)

    def find_commit(self, table: str, **metadata: str) -> Commit | None:
        """Newest commit of ``table`` whose riskcap metadata matches every item given."""
        if not self.exists(table):
            return None
        for commit in self.history(table):
            if all(commit.metadata.get(k) == v for k, v in metadata.items()):
                return commit
        return None

    # -- writing --------------------------------------------------------------------
    def write(
        self,
        table: str,
        data: pa.Table,
        *,
        mode: WriteMode,
        predicate: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> int:
        """Write ``data`` to ``table`` as one atomic commit; return the new version.

        ``data`` is cast to the table's schema first (a type mismatch is a
        :class:`LakeError`, raised before anything is written). The caller should
        hold :meth:`lock` when it has read the table to decide what to write.
        """
        spec = _spec(table)
        self.ensure(table)
        try:
            data = data.select(spec.columns).cast(spec.schema)
        except (KeyError, ValueError, pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise LakeError(f"data does not fit table '{table}': {exc}") from exc
        props = CommitProperties(
            custom_metadata={META_PREFIX + k: str(v) for k, v in (metadata or {}).items()},
            max_commit_retries=20,
        )
        uri = self.uri(table)
        try:
            if mode is WriteMode.APPEND:
                write_deltalake(
                    uri,
                    data,
                    mode="append",
                    partition_by=list(spec.partition_by) or None,
                    storage_options=self.storage_options,
                    commit_properties=props,
                    post_commithook_properties=KEEP_HISTORY,
                )
            elif mode is WriteMode.REPLACE_WHERE:
                if not predicate:
                    raise LakeError("a replace-where write needs a predicate")
                write_deltalake(
                    uri,
                    data,
                    mode="overwrite",
                    predicate=predicate,
                    partition_by=list(spec.partition_by) or None,
                    storage_options=self.storage_options,
                    commit_properties=props,
                    post_commithook_properties=KEEP_HISTORY,
                )
            else:
                on = " AND ".join(f"t.{k} = s.{k}" for k in spec.key)
                dtab = DeltaTable(uri, storage_options=self.storage_options)
                (
                    dtab.merge(
                        data,
                        predicate=on,
                        source_alias="s",
                        target_alias="t",
                        commit_properties=props,
                        post_commithook_properties=KEEP_HISTORY,
                    )
                    .when_matched_update_all()
                    .when_not_matched_insert_all()
                    .execute()
                )
        except CommitFailedError as exc:
            raise LakeError(
                f"commit to table '{table}' failed after retries: {_first_line(exc)}"
            ) from exc
        except DeltaError as exc:
            raise LakeError(f"write to table '{table}' failed: {_first_line(exc)}") from exc
        version = self.version(table)
        checkpoint = version % CHECKPOINT_EVERY == 0
        if checkpoint or not spec.partition_by:  # an unpartitioned table: keep it compact
            self.maintain(table, checkpoint=checkpoint)
        return version

    def maintain(self, table: str, *, checkpoint: bool = True) -> dict[str, Any]:
        """Keep reading ``table`` as cheap on day 250 as on day 1, without touching
        time travel: compact an unpartitioned table's small files once they number
        more than :data:`COMPACT_ABOVE_FILES` (a ``compact`` commit that changes no
        data: every earlier version still reads as it did, since nothing is ever
        vacuumed), then write a Delta checkpoint (with ``checkpoint``, or after a
        compaction) so opening the table replays at most :data:`CHECKPOINT_EVERY`
        commits. Called by :meth:`write` after every write of an unpartitioned table and
        on every :data:`CHECKPOINT_EVERY`-th version of the others, and by ``riskcap
        lake optimize``.
        """
        spec = _spec(table)
        uri = self.uri(table)
        done: dict[str, Any] = {"table": table}
        try:
            dtab = DeltaTable(uri, storage_options=self.storage_options)
            files = len(dtab.file_uris())
            if not spec.partition_by and files > COMPACT_ABOVE_FILES:
                metrics = dtab.optimize.compact(
                    commit_properties=CommitProperties(
                        custom_metadata={META_PREFIX + "operation": "compact"}
                    ),
                    post_commithook_properties=KEEP_HISTORY,
                )
                done["files_removed"] = metrics.get("numFilesRemoved")
                done["files_added"] = metrics.get("numFilesAdded")
                dtab = DeltaTable(uri, storage_options=self.storage_options)
                checkpoint = True
            if checkpoint:
                dtab.create_checkpoint()
        except DeltaError as exc:  # maintenance never fails the write it follows
            log.warning("maintenance of table %s skipped: %s", table, _first_line(exc))
            done["error"] = _first_line(exc)
            return done
        done["version"] = dtab.version()
        return done


_COMPARE = {
    "=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def filter_expression(schema: pa.Schema, filters: list[tuple[str, str, Any]]) -> pc.Expression:
    """The conjunction of ``(column, op, value)`` filters as a pyarrow expression.

    String columns are compared after an explicit cast to ``string``: a table written by
    plain appends holds ``string`` files, while Delta merges (upserts) write
    ``string_view`` files, and pyarrow has no comparison kernel between the two — a
    second market-data ingest used to break every filtered read of the table. Dates
    and numbers are compared as they are, so file statistics still prune.
    """
    terms: list[pc.Expression] = []
    for column, op, value in filters:
        field = pc.field(column)
        if pa.types.is_string(schema.field(column).type):
            field = field.cast(pa.string())
        if op == "in":
            term = field.isin(list(value))
        elif op == "not in":
            term = ~field.isin(list(value))
        elif op in _COMPARE:
            term = _COMPARE[op](field, pa.scalar(value))
        else:
            raise LakeError(f"unsupported filter operator {op!r} on {column}")
        terms.append(term)
    return functools.reduce(operator.and_, terms)


def _deletion_vectors(dtab: DeltaTable) -> bool:
    return "deletionVectors" in (dtab.protocol().reader_features or [])


def _partition_predicate(spec: TableSpec, filters: list[tuple[str, str, Any]]) -> str | None:
    """The filters on partition columns (``=`` and ``in``) as a Delta SQL predicate."""
    terms = []
    for column, op, value in filters:
        if column not in spec.partition_by:
            continue
        if op in ("=", "=="):
            terms.append(f"{column} = {sql_literal(value)}")
        elif op == "in":
            values = list(value)
            if not values:
                return "false"
            terms.append(f"{column} IN ({', '.join(sql_literal(v) for v in values)})")
    return " AND ".join(terms) or None


def _sub(schema: pa.Schema, columns: list[str]) -> pa.Schema:
    return pa.schema([schema.field(c) for c in columns])


def sql_literal(value: object) -> str:
    """A value as a Delta predicate literal (dates and strings quoted, quotes doubled)."""
    if isinstance(value, dt.date | str):
        return "'" + str(value).replace("'", "''") + "'"
    return str(value)


def _first_line(exc: BaseException) -> str:
    """An engine error's first line (delta-rs appends multi-line data previews)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else exc.__class__.__name__
