//! Several servers on one machine, talking through their communication daemons.
//!
//! A [`Net`] is a scratch directory holding the site CA, the shared simulated
//! boxes, and one state root per server. [`Net::server`] makes a root a node
//! with `acmsetup` (name, loopback address, a free port, its Management Server,
//! a certificate from the site CA); [`Server::start`] starts its daemon with
//! `stgfwcom start`, and dropping the [`Net`] stops every daemon it started.
//! Commands run as links to the built multicall binary.
#![allow(dead_code)]

use std::cell::RefCell;
use std::path::PathBuf;
use std::process::{Command, Output};

/// The directory holding every program (links to the multicall binary).
pub fn bin_dir() -> PathBuf {
    acm_testkit::bin_dir()
}

pub fn bin(name: &str) -> PathBuf {
    acm_testkit::bin(name)
}

/// A free TCP port on the loopback interface.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub struct Net {
    pub dir: tempfile::TempDir,
    started: RefCell<Vec<PathBuf>>,
}

#[derive(Debug, Clone)]
pub struct Server {
    pub name: String,
    pub root: PathBuf,
    pub port: u16,
    sim: PathBuf,
}

impl Net {
    /// A scratch network with its site CA.
    pub fn new() -> Net {
        let net = Net {
            dir: tempfile::tempdir().expect("scratch"),
            started: RefCell::new(Vec::new()),
        };
        let out = Command::new(bin("acmsetup"))
            .arg("ca")
            .arg(net.ca())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        net
    }

    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("ca")
    }

    pub fn sim_home(&self) -> PathBuf {
        self.dir.path().join("sim")
    }

    /// A node named `name`; the Management Server when `manager` is `None`,
    /// else a Managed Server of `manager`.
    pub fn server(&self, name: &str, manager: Option<&Server>) -> Server {
        let s = Server {
            name: name.to_string(),
            root: self.dir.path().join(name),
            port: free_port(),
            sim: self.sim_home(),
        };
        let port = s.port.to_string();
        let mut args = vec!["node", "--name", name, "--ip", "127.0.0.1", "--port", &port];
        let mport;
        match manager {
            None => args.push("--manager"),
            Some(m) => {
                mport = m.port.to_string();
                args.extend([
                    "--manager-ip",
                    "127.0.0.1",
                    "--manager-port",
                    &mport,
                    "--manager-name",
                    &m.name,
                ]);
            }
        }
        s.ok("acmsetup", &args);
        let ca = self.ca();
        s.ok("acmsetup", &["cert", "--ca", ca.to_str().unwrap()]);
        s
    }

    /// Starts `s`'s daemon; it is stopped when the net is dropped.
    pub fn start(&self, s: &Server) {
        s.ok("stgfwcom", &["start"]);
        self.started.borrow_mut().push(s.root.clone());
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for root in self.started.borrow().iter() {
            let _ = Command::new(bin_dir().join("stgfwcom"))
                .arg("stop")
                .env("ACM_ROOT", root)
                .env_remove("SWSTGNODE")
                .output();
        }
    }
}

impl Server {
    /// `program` with this server's environment.
    pub fn cmd(&self, program: &str) -> Command {
        let mut c = Command::new(bin(program));
        c.env("ACM_ROOT", &self.root)
            .env("ACMSIM_HOME", &self.sim)
            .env_remove("SWSTGNODE")
            .env_remove("ACMSIM_CLOCK")
            .env("ACM_CONNECT_TIMEOUT", "5")
            .env("ACM_REQUEST_TIMEOUT", "60");
        c
    }

    pub fn run(&self, program: &str, args: &[&str]) -> Output {
        self.cmd(program).args(args).output().unwrap()
    }

    /// Runs and expects success with nothing on standard error; returns standard output.
    pub fn ok(&self, program: &str, args: &[&str]) -> String {
        let out = self.run(program, args);
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{program} {args:?} on {}: {}\nstdout: {}\nstderr: {}",
            self.name,
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs and expects the message `id` on standard error with exit status `code`.
    pub fn refused(&self, program: &str, args: &[&str], id: &str, code: i32) -> String {
        let out = self.run(program, args);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{program} {args:?} on {}: {err}",
            self.name
        );
        assert!(
            err.starts_with(&format!("{id} ")),
            "{program} {args:?}: expected {id}, got {err}"
        );
        err
    }

    /// Path under this server's root.
    pub fn path(&self, p: &str) -> PathBuf {
        self.root.join(p.trim_start_matches('/'))
    }
}
