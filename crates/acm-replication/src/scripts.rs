//! Pre- and post-processing scripts of replication (manual Appendix C):
//! `RepSrc.pre`, `RepSrc.post`, `RepDst.pre`, `RepDst.post` in
//! `/etc/opt/FJSVswsrp/sh` (relocated by `ACM_ROOT`).
//!
//! A script is executed directly with the manual's arguments (pre: device and a
//! reserved argument; post: device), never through a shell string. Exit 0 lets
//! the operation go on; another code stops it with `swsrp2613` (pre) or
//! `swsrp2614` (post) carrying the code. A missing script is skipped. The
//! scripts of a volume of another Managed Server run there, through [`peer`].
//! A site may bound how long a script runs (`script.ini`, see
//! [`acm_core::script`]); one past its limit is killed and fails with
//! `swsrp2616`.
//!
//! Which scripts run when is Table C.1 and is decided by the commands; this
//! module also remembers post-processing that is due (`swsrppost.json`), so that
//! `swsrprecoverres` can run what an interrupted `swsrpmake` left undone.

use crate::list::{self, Volume};
use crate::messages;
use crate::peer;
use acm_core::msg::Failure;
use acm_core::script::Ended;
use acm_core::store::{Lock, StateFile};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::process::Command;

/// The four scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Script {
    SrcPre,
    SrcPost,
    DstPre,
    DstPost,
}

impl Script {
    pub fn name(self) -> &'static str {
        match self {
            Script::SrcPre => "RepSrc.pre",
            Script::SrcPost => "RepSrc.post",
            Script::DstPre => "RepDst.pre",
            Script::DstPost => "RepDst.post",
        }
    }

    fn is_pre(self) -> bool {
        matches!(self, Script::SrcPre | Script::DstPre)
    }

    /// The post-processing that undoes a pre-processing.
    pub fn post(self) -> Script {
        match self {
            Script::SrcPre | Script::SrcPost => Script::SrcPost,
            Script::DstPre | Script::DstPost => Script::DstPost,
        }
    }
}

/// Where the replication scripts live.
pub fn dir() -> PathBuf {
    acm_core::paths::product(acm_core::program::Package::Replication.scripts_dir())
}

/// Runs `script` for `device` on this server; `Ok` when it exits 0 or does not exist.
pub fn run_here(script: Script, device: &str) -> Result<(), Failure> {
    let path = dir().join(script.name());
    if !path.exists() {
        return Ok(());
    }
    let mut cmd = Command::new(&path);
    cmd.arg(device);
    if script.is_pre() {
        cmd.arg("reserve");
    }
    let limit =
        acm_core::script::time_limit(&dir()).map_err(|e| Failure::bad_config(messages::F, &e))?;
    let end = acm_core::script::run_logged(messages::F, script.name(), &mut cmd, limit)
        .map_err(|e| messages::script_not_run(script.name(), e))?;
    match end {
        Ended::Code(0) => Ok(()),
        Ended::Code(code) if script.is_pre() => Err(messages::pre_script_failed(code)),
        Ended::Code(code) => Err(messages::post_script_failed(code)),
        Ended::Signal => Err(messages::script_not_run(
            script.name(),
            "killed by a signal",
        )),
        Ended::TimedOut(limit) => Err(messages::script_timed_out(script.name(), limit.as_secs())),
    }
}

/// Runs `script` for volume `v`: here when `v` is on `local`, else on its server.
pub fn run(script: Script, v: &Volume, local: &str) -> Result<(), Failure> {
    if v.server == local {
        run_here(script, &v.device)
    } else {
        peer::call(
            &v.server,
            &peer::Request::Script {
                script,
                device: v.device.clone(),
            },
        )
        .map(|_| ())
    }
}

// ----- post-processing that is due -----

/// Format name of the file of due post-processing.
pub const POST_FORMAT: &str = "acm-replication-post";
/// Its file and lock names in the data directory.
pub const POST_FILE: &str = "swsrppost.json";
pub const POST_LOCK: &str = "swsrppost.lock";

/// A post-processing script that is due for a volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    /// The operation it belongs to (`FROM=...,TO=...`).
    pub operation: String,
    pub script: Script,
    pub volume: Volume,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct DueList {
    #[serde(default)]
    due: Vec<Due>,
}

fn due_store() -> (StateFile, PathBuf) {
    let dir = list::data_dir();
    (
        StateFile::new(dir.join(POST_FILE), POST_FORMAT, 1),
        dir.join(POST_LOCK),
    )
}

fn update_due<T>(f: impl FnOnce(&mut Vec<Due>) -> T) -> Result<T, Failure> {
    let (file, lock) = due_store();
    let _l = Lock::acquire(&lock, "swsrp").map_err(messages::list_error)?;
    let mut l: DueList = file
        .load()
        .map_err(messages::list_error)?
        .unwrap_or_default();
    let before = l.clone();
    let out = f(&mut l.due);
    if l != before {
        file.save(&l).map_err(messages::list_error)?;
    }
    Ok(out)
}

/// Records that `script` is due for `volume` once `operation` is done.
pub fn remember(operation: &str, script: Script, volume: &Volume) -> Result<(), Failure> {
    update_due(|d| {
        let due = Due {
            operation: operation.to_string(),
            script,
            volume: volume.clone(),
        };
        if !d.contains(&due) {
            d.push(due);
        }
    })
}

/// Records that `script` for `volume` has been done.
pub fn forget(operation: &str, script: Script, volume: &Volume) -> Result<(), Failure> {
    update_due(|d| {
        d.retain(|x| !(x.operation == operation && x.script == script && x.volume == *volume))
    })
}

/// Every post-processing that is due, oldest first.
pub fn due() -> Result<Vec<Due>, Failure> {
    update_due(|d| d.clone())
}

/// Runs the post-processing of every pre-processing in `done` (in reverse order)
/// and forgets it; the first failure is returned after all have been tried.
pub fn undo(operation: &str, done: &[(Script, Volume)], local: &str) -> Result<(), Failure> {
    let mut first = None;
    for (script, v) in done.iter().rev() {
        let post = script.post();
        match run(post, v, local) {
            Ok(()) => forget(operation, post, v)?,
            Err(f) => {
                first.get_or_insert(f);
            }
        }
    }
    first.map_or(Ok(()), Err)
}

/// Pre-processing of an operation, remembering each matching post-processing as
/// due; on a failure, what was already prepared is undone and the failure of the
/// pre-processing is returned. Returns what was prepared, for [`undo`] later.
pub fn prepare(
    operation: &str,
    steps: &[(Script, &Volume)],
    local: &str,
) -> Result<Vec<(Script, Volume)>, Failure> {
    let mut done: Vec<(Script, Volume)> = Vec::new();
    for (script, v) in steps {
        remember(operation, script.post(), v)?;
        if let Err(f) = run(*script, v, local) {
            forget(operation, script.post(), v)?;
            let _ = undo(operation, &done, local);
            return Err(f);
        }
        done.push((*script, (*v).clone()));
    }
    Ok(done)
}
