"""The index on disk: reused searchers, serialised writers, atomic rebuilds.

Layout: ROOT/CURRENT names the live generation folder (ROOT/gen-…). A rebuild writes a new
generation beside it and swaps CURRENT with an atomic rename, so searches keep answering from
the old one until the new one is complete. Each thread keeps one searcher and reopens it only
when the index changed (opening one costs ~80 ms at 50k documents).
"""

from __future__ import annotations

import logging
import os
import pickle
import secrets
import shutil
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.query import Term
from whoosh.searching import Searcher
from whoosh.writing import IndexWriter

from portal.search.query import ARTICLE, SearchResults, run_search, suggest_titles
from portal.search.schema import SCHEMA_VERSION, SearchDocument, build_schema

log = logging.getLogger(__name__)


SCHEMA_FILE = "SCHEMA_VERSION"
# The last change-log position (search_changes.seq) this generation holds. Written after each
# commit: a crash in between only means the same changes are applied again (they are upserts
# of the database's current state, so applying twice changes nothing).
POSITION_FILE = "POSITION"


def _schema_version(generation: Path) -> int | None:
    try:
        return int((generation / SCHEMA_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


class IndexUnavailable(RuntimeError):
    """The index is missing or unreadable; rebuild it from the database."""


# What Whoosh raises when the bytes under an open searcher are not an index any more (a file
# corrupted or cut short while the portal serves): the index is unreadable, not the request.
DAMAGED_FILES = (struct.error, EOFError, OSError, zlib.error, pickle.UnpicklingError)


@contextmanager
def _reading():
    try:
        yield
    except DAMAGED_FILES as exc:
        raise IndexUnavailable(f"search index damaged: {exc!r}") from exc


def default_host_id(root: Path) -> str:
    """One index per host and folder: two instances on one machine keep separate positions."""
    return f"{socket.gethostname()}:{root.resolve()}"[:200]


class SearchIndex:
    """The Whoosh backend: a folder on this host's disk, following the database's change log."""

    def __init__(self, root: str | Path, *, host_id: str | None = None) -> None:
        self.root = Path(root)
        self.host_id = host_id or default_host_id(self.root)
        self._local = threading.local()
        self._write_lock = threading.Lock()

    # --- generations --------------------------------------------------------------------

    @property
    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_generation(self) -> Path | None:
        try:
            name = self._pointer.read_text().strip()
        except FileNotFoundError:
            return None
        return self.root / name if name else None

    def _open(self) -> whoosh_index.Index:
        generation = self.current_generation()
        if generation is None or not generation.is_dir():
            raise IndexUnavailable(f"no search index at {self.root}")
        if _schema_version(generation) != SCHEMA_VERSION:
            raise IndexUnavailable(f"search index at {generation} was built for another schema "
                                   f"version (this code uses {SCHEMA_VERSION})")
        try:
            # Without mmap, Whoosh reads a compound segment into each process's memory once
            # (measured: a worker's RSS 253 → 51 MB at 50k documents) instead of mapping the
            # whole file per searcher; warm searches were no slower (84 → 70 ms).
            return FileStorage(str(generation), supports_mmap=False).open_index()
        except Exception as exc:  # whoosh raises many kinds on damaged files
            raise IndexUnavailable(f"search index at {generation} is unreadable: {exc}") from exc

    def position(self) -> int | None:
        """The last change-log position applied; None when there is no index to follow with.

        A generation built before the log had positions holds everything but the changes still
        queued then, which the migration carried over first: it counts as position 0."""
        generation = self.current_generation()
        if generation is None or not generation.is_dir():
            return None
        try:
            return int((generation / POSITION_FILE).read_text().strip())
        except FileNotFoundError:
            return 0
        except (OSError, ValueError):
            return None

    @staticmethod
    def _record_position(generation: Path, position: int) -> None:
        temporary = generation / f"{POSITION_FILE}.{secrets.token_hex(4)}"
        temporary.write_text(str(position))
        os.replace(temporary, generation / POSITION_FILE)

    @property
    def _rebuild_flag(self) -> Path:
        return self.root / "REBUILD"

    def request_rebuild(self) -> None:
        """Ask this host's worker to rebuild: a web process found the index unreadable and
        does not rebuild a large one itself (a request would wait minutes)."""
        self.root.mkdir(parents=True, exist_ok=True)
        self._rebuild_flag.touch()

    def rebuild_requested(self) -> bool:
        return self._rebuild_flag.exists()

    def exists(self) -> bool:
        try:
            self._open().close()
        except IndexUnavailable:
            return False
        return True

    # --- reading ------------------------------------------------------------------------

    def searcher(self) -> Searcher:
        """This thread's searcher, refreshed if the index or its generation changed."""
        local = self._local
        generation = self.current_generation()
        searcher = getattr(local, "searcher", None)
        if searcher is not None and getattr(local, "generation", None) == generation:
            try:
                if searcher.up_to_date():
                    return searcher
            except Exception:  # files of a swapped-out generation may be gone
                log.info("search index changed under the searcher; reopening")
        # Not searcher.refresh(): it reuses segment readers with their old deletion sets, so a
        # deleted (archived, made internal…) document would stay findable.
        self.forget_searcher()
        try:
            local.searcher = self._open().searcher()
        except IndexUnavailable:
            raise
        except Exception as exc:
            raise IndexUnavailable(f"search index unreadable: {exc}") from exc
        local.generation = generation
        return local.searcher

    def forget_searcher(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        self._local.searcher = None
        if searcher is not None:
            try:
                searcher.close()
            except Exception:  # closing a broken searcher must not hide the real problem
                log.debug("closing an old searcher failed", exc_info=True)

    # --- writing ------------------------------------------------------------------------

    @contextmanager
    def writer(self, *, timeout: float,
               after_commit: Callable[[], None] | None = None) -> Iterable[IndexWriter]:
        """One writer at a time: a lock in this process, Whoosh's file lock across processes.

        Waits up to `timeout` seconds for another writer, then raises whoosh's LockError.
        `after_commit` runs once the writer has committed, still inside this process's lock.
        """
        if not self._write_lock.acquire(timeout=timeout):
            from whoosh.index import LockError
            raise LockError("another thread is writing the search index")
        try:
            writer = self._open().writer(timeout=timeout, delay=0.05)
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            else:
                writer.commit()
                if after_commit:
                    after_commit()
        finally:
            self._write_lock.release()

    def apply(self, upserts: Iterable[SearchDocument], deletions: Iterable[str], *,
              position: int, timeout: float) -> None:
        """Apply the changes and record the log position they bring the index to."""
        generation = self.current_generation()

        def record() -> None:
            if generation is not None and position > (self.position() or 0):
                self._record_position(generation, position)

        with self.writer(timeout=timeout, after_commit=record) as writer:
            for key in deletions:
                writer.delete_by_term("key", key)
            for document in upserts:
                writer.update_document(**document.fields())

    def rebuild(self, documents: Callable[[], Iterable[SearchDocument]], *, position: int,
                progress: Callable[[int], None] | None = None, processes: int = 1) -> int:
        """Build a fresh generation from `documents()` and swap it in atomically.

        Writers to the old generation are held off meanwhile (in this process by the lock, in
        others by the old index's file lock); what they could not write stays in the database's
        change log and is applied to the new generation afterwards. `position` is the log
        position the documents are known to include (read before them).
        """
        with self._write_lock, self._old_generation_locked():
            self._rebuild_flag.unlink(missing_ok=True)  # asked again if found broken meanwhile
            return self._build_and_swap(documents(), position, progress, processes)

    @contextmanager
    def _old_generation_locked(self):
        try:
            old = self._open()
        except IndexUnavailable:
            yield
            return
        lock = old.storage.lock(f"{old.indexname}_WRITELOCK")
        deadline = time.monotonic() + 120
        while not lock.acquire(blocking=False):
            if time.monotonic() > deadline:
                raise TimeoutError("another process kept the search index locked for 2 minutes")
            time.sleep(0.05)
        try:
            yield
        finally:
            lock.release()
            old.close()

    def _build_and_swap(self, documents: Iterable[SearchDocument], position: int,
                        progress: Callable[[int], None] | None, processes: int) -> int:
        self.root.mkdir(parents=True, exist_ok=True)
        generation = self.root / f"gen-{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(3)}"
        generation.mkdir()
        count = 0
        try:
            ix = whoosh_index.create_in(generation, build_schema())
            # Several processes analyse the documents; their runs are merged into ONE segment
            # (multisegment=False): two segments halved the build but doubled every query.
            # 1 GB of postings in memory per process before spilling a run: at 50k documents
            # that took the two-process build from 100 s to 85 s.
            writer = ix.writer(limitmb=1024, procs=processes) if processes > 1 \
                else ix.writer(limitmb=1024)
            for document in documents:
                writer.add_document(**document.fields())
                count += 1
                if progress:
                    progress(count)
            writer.commit()
            ix.close()
            (generation / SCHEMA_FILE).write_text(str(SCHEMA_VERSION))
            self._record_position(generation, position)
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise
        temporary = self.root / f"CURRENT.{secrets.token_hex(4)}"
        temporary.write_text(generation.name)
        os.replace(temporary, self._pointer)
        self._remove_old_generations(keep=generation)
        log.info("search index rebuilt: %s documents in %s", count, generation.name)
        return count

    def _remove_old_generations(self, keep: Path) -> None:
        for path in self.root.glob("gen-*"):
            if path != keep and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)

    # --- the backend's queries ------------------------------------------------------------

    def search(self, text: str, *, staff: bool, category: str = "", page: int = 1,
               per_page: int = 10, kind: str = ARTICLE) -> SearchResults:
        with _reading():
            return run_search(self.searcher(), text, staff=staff, category=category,
                              page=page, per_page=per_page, kind=kind)

    def suggest(self, prefix: str, *, staff: bool, limit: int = 5) -> list[tuple[str, str]]:
        with _reading():
            return suggest_titles(self.searcher(), prefix, staff=staff, limit=limit)

    def document_count(self) -> int:
        return self.searcher().doc_count()

    def has_key(self, key: str) -> bool:
        return bool(self.searcher().search(Term("key", key), limit=1))

    def keys(self) -> set[str]:
        """Every document key in the index (to compare it with the database)."""
        reader = self.searcher().reader()
        return {fields["key"] for _, fields in reader.iter_docs()}
