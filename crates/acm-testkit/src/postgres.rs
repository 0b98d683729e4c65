//! A real PostgreSQL server for a test: `initdb` in a scratch directory as
//! the `postgres` user, reached by a Unix socket only, stopped when the test
//! ends however it ends. Never a mock: what the tests judge is what a site's
//! server does.
//!
//! Missing PostgreSQL or root is a [`crate::missing_prerequisite`]: it
//! fails under `CI=true` (`.ci/run` installs `postgresql`), elsewhere the
//! test says why it skipped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The directory of PostgreSQL's programs when `initdb`, `pg_ctl`, `psql`
/// and each of `extra` are there and a `postgres` user exists (Debian keeps
/// the programs out of PATH, under `/usr/lib/postgresql/N/bin`).
pub fn tools(extra: &[&str]) -> Option<PathBuf> {
    let out = Command::new("sh")
        .arg("-c")
        .arg("readlink -f \"$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)\"")
        .output()
        .ok()?;
    let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let dir = p.parent()?.to_path_buf();
    let all = ["initdb", "pg_ctl", "psql"]
        .iter()
        .chain(extra)
        .all(|t| dir.join(t).is_file());
    let user = Command::new("id")
        .arg("postgres")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    (all && user).then_some(dir)
}

/// A cluster's data directory and the programs that run it; stopped
/// (immediately) when dropped.
pub struct Cluster {
    pub bin: PathBuf,
    pub data: PathBuf,
}

impl Cluster {
    /// `tool` of the cluster's programs run as the `postgres` user.
    pub fn pg(&self, tool: &str, args: &[&str]) -> Output {
        self.pg_command(tool, args).output().unwrap()
    }

    fn pg_command(&self, tool: &str, args: &[&str]) -> Command {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"])
            .arg(self.bin.join(tool))
            .args(args)
            .stdin(Stdio::null());
        c
    }

    /// [`Cluster::pg`], which must succeed; its standard output.
    pub fn pg_ok(&self, tool: &str, args: &[&str]) -> String {
        let out = self.pg(tool, args);
        assert!(
            out.status.success(),
            "{tool} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `pg_ctl -D DATA args...`, which must succeed.
    pub fn ctl(&self, args: &[&str]) -> String {
        let d = self.data.to_string_lossy().into_owned();
        let mut a = vec!["-D", &d];
        a.extend_from_slice(args);
        self.pg_ok("pg_ctl", &a)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let d = self.data.to_string_lossy().into_owned();
        let _ = self.pg("pg_ctl", &["-D", &d, "-m", "immediate", "-w", "stop"]);
    }
}

/// The role the commands under test connect as (with [`Server::password`]).
pub const ROLE: &str = "acm";
/// The port number naming the socket (only the socket listens).
pub const PORT: u16 = 5432;

/// A running server of its own in a scratch directory: `postgres` connects
/// by peer authentication (the tests' `psql`), every other role by password
/// (the commands under test, as [`ROLE`]).
pub struct Server {
    pub cluster: Cluster,
    /// The directory of the Unix socket.
    pub socket: PathBuf,
    password: String,
    log: PathBuf,
    // Last: removed once the cluster has stopped.
    _dir: tempfile::TempDir,
}

fn sh_ok(cmd: &str) {
    let out = Command::new("sh").arg("-c").arg(cmd).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Server {
    /// Starts one; `None` (after saying why, or failing under CI) when
    /// PostgreSQL or root is missing.
    pub fn start() -> Option<Server> {
        if !crate::need_root("a PostgreSQL server run as the postgres user") {
            return None;
        }
        let Some(bin) = tools(&[]) else {
            crate::missing_prerequisite("PostgreSQL (initdb, pg_ctl, psql, a postgres user)");
            return None;
        };
        let dir = tempfile::Builder::new()
            .prefix("acm-pg")
            .tempdir()
            .expect("scratch directory");
        let (data, socket) = (dir.path().join("data"), dir.path().join("sock"));
        std::fs::create_dir_all(&socket).unwrap();
        sh_ok(&format!(
            "chmod 755 {d} && chown -R postgres {d}",
            d = dir.path().display()
        ));
        let cluster = Cluster { bin, data };
        let d = cluster.data.to_string_lossy().into_owned();
        cluster.pg_ok(
            "initdb",
            &[
                "-D",
                &d,
                "-A",
                "peer",
                "-N",
                "--no-instructions",
                "-U",
                "postgres",
            ],
        );
        let conf = format!(
            "port = {PORT}\nlisten_addresses = ''\nunix_socket_directories = '{}'\n\
             shared_buffers = 16MB\nmax_connections = 60\nfsync = off\n",
            socket.display()
        );
        append(&cluster.data.join("postgresql.conf"), &conf);
        std::fs::write(
            cluster.data.join("pg_hba.conf"),
            "local all postgres peer\nlocal all all scram-sha-256\n",
        )
        .unwrap();
        let password = format!(
            "t{}x{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        );
        let server = Server {
            log: dir.path().join("pg.log"),
            cluster,
            socket,
            password,
            _dir: dir,
        };
        server.start_again();
        server.psql(
            "postgres",
            &format!("CREATE ROLE {ROLE} LOGIN PASSWORD '{}'", server.password),
        );
        Some(server)
    }

    /// The password of [`ROLE`].
    pub fn password(&self) -> &str {
        &self.password
    }

    /// A libpq connection string for database `db` as [`ROLE`], no password.
    pub fn connection(&self, db: &str) -> String {
        format!(
            "host={} port={PORT} user={ROLE} dbname={db}",
            self.socket.display()
        )
    }

    /// A new database owned by [`ROLE`].
    pub fn create_database(&self, db: &str) {
        self.psql("postgres", &format!("CREATE DATABASE {db} OWNER {ROLE}"));
    }

    fn psql_args<'a>(&'a self, host: &'a str, db: &'a str, sql: &'a str) -> Vec<&'a str> {
        vec![
            "-X",
            "-q",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            host,
            "-p",
            "5432",
            "-d",
            db,
            "-c",
            sql,
        ]
    }

    /// `psql -c sql` on `db` as `postgres`, which must succeed; its output, trimmed.
    pub fn psql(&self, db: &str, sql: &str) -> String {
        let host = self.socket.to_string_lossy().into_owned();
        self.cluster
            .pg_ok("psql", &self.psql_args(&host, db, sql))
            .trim()
            .to_string()
    }

    /// `psql -c sql` on `db` as `postgres`, running in the background (to
    /// hold a lock while a command waits for it).
    pub fn spawn_psql(&self, db: &str, sql: &str) -> Child {
        let host = self.socket.to_string_lossy().into_owned();
        self.cluster
            .pg_command("psql", &self.psql_args(&host, db, sql))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Stops the server, ending its sessions (`pg_ctl -m fast`).
    pub fn stop(&self) {
        self.cluster.ctl(&["-m", "fast", "-w", "stop"]);
    }

    /// Starts the server (again), waiting until it accepts connections.
    pub fn start_again(&self) {
        let log = self.log.to_string_lossy().into_owned();
        self.cluster.ctl(&["-l", &log, "-w", "start"]);
    }
}

fn append(path: &Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}
