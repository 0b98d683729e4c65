//! `acmsim`: the console of the simulated ETERNUS array and of the simulated host.
//!
//! It plays the part of the array's management GUI (boxes, LUNs, Snap Data Pool,
//! REC paths and buffers, copy rate, faults) and of the AIX administrator (attach
//! disks, volume groups, mounts), and it reads and writes device data through the
//! array's data path so tests can prove what a copy did. Every refusal is one line
//! `acmsim: SIMnnnn text` on standard error with exit status 1 (2 for usage).

use acm_core::paths;
use acm_core::size::{format_size, parse_size};
use acm_host::{pattern, Disk, HostError, HostStore};
use acm_scsi::model::{self as m, CopyError};
use acm_sim::state::{BufferUse, DiskBuffer, LunKind, Rate, RecBuffer, Sdv};
use acm_sim::{Array, Bid, SimError};
use clap::{Parser, Subcommand};
use std::ffi::OsString;
use std::process::ExitCode;

mod show;

#[derive(Parser)]
#[command(version = acm_core::VERSION)]
#[command(
    name = "acmsim",
    about = "Administer the simulated ETERNUS array and simulated AIX host",
    long_about = "Administer the simulated ETERNUS array (boxes under $ACMSIM_HOME) and the \
simulated AIX host of this managed server (under $ACM_ROOT)."
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Create, list or show boxes.
    #[command(subcommand)]
    Box(BoxCmd),
    /// Create or list LUNs of a box.
    #[command(subcommand)]
    Lun(LunCmd),
    /// RAID groups of a box and their drives (Eco-mode, manual Appendix D).
    #[command(subcommand)]
    Raidgroup(RaidgroupCmd),
    /// The simulated host: disks, volume groups, logical volumes, mounts.
    #[command(subcommand)]
    Host(HostCmd),
    /// Write deterministic pseudo-random data to a host device through the array.
    Write {
        device: String,
        #[arg(long)]
        seed: u64,
        #[arg(long, value_parser = size_arg)]
        offset: Option<u64>,
        #[arg(long, value_parser = size_arg)]
        length: Option<u64>,
    },
    /// Print the SHA-256 of a host device's whole contents as the host reads them.
    Checksum { device: String },
    /// Set a box's background copy rate: bytes per second (K/M/G suffixes), unlimited or paused.
    Rate { name: String, rate: String },
    /// Run a box's background copy now for BYTES (or until done with --all).
    Advance {
        name: String,
        #[arg(long, value_parser = size_arg, conflicts_with = "all", required_unless_present = "all")]
        bytes: Option<u64>,
        #[arg(long)]
        all: bool,
    },
    /// Every box, LUN, host disk and copy session with its progress, as
    /// tables; with --svg, also drawn to FILE (boxes, LUNs, and one arrow per
    /// session labelled with its type, state and percent).
    Show {
        #[arg(long, value_name = "FILE")]
        svg: Option<std::path::PathBuf>,
    },
    /// List copy sessions of a box (or of one LUN).
    Sessions {
        name: String,
        #[arg(long)]
        olu: Option<u32>,
    },
    /// Set the Snap Data Pool capacity of a box.
    Pool {
        name: String,
        #[arg(long, value_parser = size_arg)]
        size: u64,
        #[arg(long)]
        encrypted: bool,
        /// The RAID group the pool lives in (it keeps the group from stopping).
        #[arg(long, value_name = "NUMBER")]
        raidgroup: Option<u32>,
    },
    /// Set the physical capacity of a Snap Data Volume.
    Sdv {
        name: String,
        olu: u32,
        #[arg(long, value_parser = size_arg)]
        physical: u64,
    },
    /// Create a REC path between two boxes, or bring it up or down.
    Path {
        a: String,
        b: String,
        #[arg(value_parser = ["up", "down"])]
        state: String,
    },
    /// Add a REC buffer to a box.
    Recbuf {
        name: String,
        #[arg(long)]
        id: u32,
        #[arg(long = "use", value_parser = ["SEND", "RECV"])]
        usage: String,
        #[arg(long, value_parser = size_arg)]
        size: u64,
        /// The box at the other end.
        #[arg(long)]
        remote: String,
    },
    /// Configure the REC disk buffer of a box.
    Diskbuf {
        name: String,
        #[arg(long, value_parser = size_arg, required_unless_present_any = ["fault", "remove"])]
        size: Option<u64>,
        /// Make the disk buffer inactive with this code (e.g. 05 for a RAID fault).
        #[arg(long)]
        fault: Option<u8>,
        #[arg(long)]
        remove: bool,
    },
    /// Control copy sessions as the array's console does (through the SCSI driver).
    #[command(subcommand)]
    Copy(CopyCmd),
    /// Inject or clear faults.
    #[command(subcommand)]
    Fault(FaultCmd),
    /// Set session limits of a box.
    Limits {
        name: String,
        #[arg(long)]
        box_sessions: Option<u32>,
        #[arg(long)]
        lun_sessions: Option<u32>,
    },
    /// Run the array service of $ACMSIM_HOME (in the background unless --foreground).
    Serve {
        /// Stay in this process (for a service manager).
        #[arg(long)]
        foreground: bool,
        /// Stop after this many seconds with no request and no copy in progress.
        #[arg(long, value_name = "SECONDS")]
        idle_exit: Option<u64>,
    },
    /// Serve the boxes over iSCSI: one target per box, its LUNs by OLU.
    #[command(subcommand)]
    Iscsi(IscsiCmd),
    /// Stop the array service of $ACMSIM_HOME (committing everything first).
    Stop,
    /// Say whether the array service of $ACMSIM_HOME runs and what it serves
    /// (exit status 3 when it does not run).
    Status,
}

#[derive(Subcommand)]
enum IscsiCmd {
    /// Start the portal in the array service; prints one line per box, `IQN BOXNAME`.
    Start {
        /// The address and TCP port to listen on (3260 is iSCSI's own).
        #[arg(long, value_name = "ADDR:PORT")]
        listen: String,
        /// Require one-way CHAP with this user name and secret.
        #[arg(long, value_name = "USER:SECRET")]
        chap: Option<String>,
    },
    /// Stop the portal; its sessions are closed.
    Stop,
    /// The portal's address, targets with their LUNs, and logged-in sessions
    /// (exit status 3 when no portal runs).
    Status,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ProfileArg {
    Vendor,
    Standard,
    Xcopy,
}

#[derive(Subcommand)]
enum BoxCmd {
    /// Create a box; prints its 40-character box identifier.
    Create {
        name: String,
        /// The command sets its LUNs answer: `vendor` (the standard set and
        /// the vendor copy-session commands), `standard` (the standard set
        /// with copy offload only, as another maker's array) or `xcopy` (the
        /// standard set with EXTENDED COPY but no ROD tokens).
        #[arg(long, value_enum, default_value = "vendor")]
        profile: ProfileArg,
    },
    /// One line per box: name, box identifier, rate.
    List,
    /// LUNs, sessions, pool and paths of a box.
    Show { name: String },
}

#[derive(Subcommand)]
enum LunCmd {
    /// Create LUNs; prints one line per LUN starting with its OLU number.
    Create {
        name: String,
        #[arg(long, value_parser = size_arg)]
        size: u64,
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// Make Snap Data Volumes of that logical size.
        #[arg(long, conflicts_with = "access")]
        sdv: bool,
        /// Physical capacity of the SDVs (default: their logical size).
        #[arg(long, value_parser = size_arg, requires = "sdv")]
        physical: Option<u64>,
        /// Make an access volume.
        #[arg(long)]
        access: bool,
        /// Thin provisioned: space is taken as blocks are written and given
        /// back by UNMAP (ordinary LUNs).
        #[arg(long, conflicts_with_all = ["sdv", "access"])]
        thin: bool,
        /// The RAID group the LUNs live on (default 0, whose drives always spin).
        #[arg(long, value_name = "NUMBER", default_value_t = 0)]
        raidgroup: u32,
    },
    /// One line per LUN: OLU, size, kind.
    List { name: String },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SpindleArg {
    Start,
    Stop,
}

#[derive(Subcommand)]
enum RaidgroupCmd {
    /// Create RAID group NUMBER (1 and up) of a box.
    Create {
        name: String,
        number: u32,
        /// An Eco-mode group: its drives can be stopped and started.
        #[arg(long)]
        eco: bool,
        /// Seconds the drives take to spin up.
        #[arg(long, value_name = "SECONDS", default_value_t = acm_sim::raidgroup::DEFAULT_SPIN_UP_SECS)]
        spin_up: u64,
        /// Seconds a group with a stop scheduled must stay idle before its
        /// drives stop.
        #[arg(long, value_name = "SECONDS", default_value_t = acm_sim::raidgroup::DEFAULT_IDLE_DELAY_SECS)]
        idle_delay: u64,
    },
    /// One line per RAID group: number, mode, drive state, LUNs, and what
    /// keeps a scheduled stop from taking effect.
    List { name: String },
    /// Start the drives of an Eco-mode group, or schedule their stop (the
    /// `storageadm spindle` of Storage Cruiser on a real site).
    Spindle {
        name: String,
        number: u32,
        #[arg(value_enum)]
        action: SpindleArg,
        /// Wait until the drives are active (start) or stopped (stop).
        #[arg(long)]
        sync: bool,
        /// With --sync: give up after this many seconds (exit status 1).
        #[arg(long, value_name = "SECONDS", requires = "sync", default_value_t = 300)]
        timeout: u64,
    },
}

#[derive(Subcommand)]
enum HostCmd {
    /// Attach LUN OLU of box NAME to the host as DEVICE (/dev/hdiskN).
    Attach {
        name: String,
        olu: u32,
        device: String,
        /// Also make it a VxVM disk (/dev/vx/dmp/hdiskN).
        #[arg(long)]
        vxvm: bool,
        /// Also expose it as a Linux block device (a loop device over the
        /// array service's block face), for real file systems and tools.
        #[arg(long)]
        block: bool,
    },
    /// Print the Linux block device of a block disk (first token), then the
    /// file in the array service's block face behind it.
    Blockdev { device: String },
    /// After an array service was killed with block disks attached: unmount
    /// and detach the stale loop devices, clear the dead block face, attach
    /// the disks again, check their file systems and mount them back.
    Recover,
    /// Attach the LUN behind NODE as DEVICE: a SCSI generic device (/dev/sgN)
    /// of a real array, reached with SG_IO, or an iSCSI LUN
    /// (iscsi://[USER%SECRET@]HOST[:PORT]/IQN/LUN), reached over iSCSI; its
    /// box and OLU come from the LUN's INQUIRY (VPD 83h), its size from READ
    /// CAPACITY. The disk is then reached that way, never through the
    /// simulator's socket.
    #[command(alias = "attach-url")]
    AttachNode { device: String, node: String },
    /// Detach a disk.
    Detach { device: String },
    /// Volume groups.
    #[command(subcommand)]
    Vg(VgCmd),
    /// Create a logical volume in a volume group.
    Lv {
        vg: String,
        lv: String,
        #[arg(long)]
        mount_point: Option<String>,
    },
    /// Mount a logical volume (at its mount point) or a device at MOUNT_POINT.
    /// A block disk is mounted by the kernel (mount(8)).
    Mount {
        target: String,
        mount_point: Option<String>,
        /// Mount options for a block disk's real mount (as mount -o: ro, ...).
        #[arg(short = 'o', long = "options")]
        options: Option<String>,
    },
    /// Unmount by mount point or device.
    Umount { target: String },
    /// Freeze the file system of a block disk mounted at MOUNT_POINT
    /// (fsfreeze(8)): writes are flushed to the array and new ones wait. It
    /// is thawed after --limit seconds whatever happens (a watchdog process),
    /// so a frozen file system cannot stay frozen. A simulated mount has
    /// nothing in flight: freezing it does nothing.
    Freeze {
        mount_point: String,
        #[arg(long, default_value_t = 60)]
        limit: u64,
    },
    /// Thaw a file system frozen by `host freeze` (nothing when not frozen).
    Thaw {
        mount_point: String,
        /// Wait this many seconds first (the freeze's watchdog).
        #[arg(long, hide = true)]
        after: Option<u64>,
    },
    /// Disks, volume groups and mounts of the host.
    List,
}

#[derive(Subcommand)]
enum VgCmd {
    /// Create a volume group of one or more attached disks (active).
    Create {
        vg: String,
        #[arg(required = true)]
        devices: Vec<String>,
    },
    Remove {
        vg: String,
    },
    Varyon {
        vg: String,
    },
    Varyoff {
        vg: String,
    },
}

#[derive(Subcommand)]
enum CopyCmd {
    /// Start a session from SOURCE to DESTINATION (host devices); prints its id.
    Start {
        #[arg(value_parser = ["opc", "quickopc", "snapopc", "snapopcplus", "ec", "rec"])]
        kind: String,
        source: String,
        destination: String,
        /// REC transfer mode.
        #[arg(long, value_parser = ["sync", "through", "stack", "consistency"], default_value = "through")]
        transfer: String,
        /// REC split mode: manual refuses source writes while halted.
        #[arg(long)]
        manual_split: bool,
        /// REC recovery: manual stays halted until forced suspend and restart.
        #[arg(long)]
        manual_recovery: bool,
        /// REC initial copy skip.
        #[arg(long)]
        skip: bool,
        /// Destination neither readable nor writable while the session lives.
        #[arg(long)]
        no_access: bool,
        /// Concurrent OPC: define only (readying); start with `copy concurrent`.
        #[arg(long)]
        define: bool,
    },
    /// Differential restart (QuickOPC) or resume (EC/REC).
    Restart {
        device: String,
        id: u32,
        #[arg(long)]
        remain: bool,
    },
    /// Suspend EC/REC sessions (several at once = Concurrent Suspend).
    Suspend {
        device: String,
        #[arg(required = true)]
        ids: Vec<u32>,
        #[arg(long)]
        forced: bool,
    },
    /// Stop a session.
    Cancel {
        device: String,
        id: u32,
        /// SnapOPC+: also stop every older generation.
        #[arg(long)]
        older: bool,
        /// QuickOPC: stop tracking only.
        #[arg(long)]
        tracking_only: bool,
        /// Only if halted.
        #[arg(long)]
        halted_only: bool,
    },
    /// Swap the direction of a suspended EC/REC session.
    Reverse { device: String, id: u32 },
    /// Start sessions defined with --define at one point in time.
    Concurrent {
        device: String,
        #[arg(required = true)]
        ids: Vec<u32>,
    },
    /// Sessions of a host device's LUN.
    List { device: String },
}

#[derive(Subcommand)]
enum FaultCmd {
    /// Make a block unreadable until it is written.
    Badsector { name: String, olu: u32, lba: u64 },
    /// Hardware error on a LUN: its I/O fails and its sessions error-suspend.
    Hwerror {
        name: String,
        olu: u32,
        #[arg(long)]
        clear: bool,
    },
    /// Copy-session status cannot be obtained from the box.
    Unobtainable {
        name: String,
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
}

fn size_arg(s: &str) -> Result<u64, String> {
    parse_size(s)
}

/// An error with its message ID.
struct Failure(&'static str, String);

impl From<SimError> for Failure {
    fn from(e: SimError) -> Self {
        let id = match &e {
            SimError::NoBox(_) => "SIM1002",
            SimError::BoxExists(_) => "SIM1003",
            SimError::Store(_) => "SIM1006",
            SimError::Io(_) => "SIM1007",
            SimError::Invalid(_) => "SIM1001",
            SimError::Refused(_) => "SIM1005",
        };
        Failure(id, e.to_string())
    }
}

impl From<CopyError> for Failure {
    fn from(e: CopyError) -> Self {
        Failure("SIM1005", format!("the array refused: {e}"))
    }
}

impl From<HostError> for Failure {
    fn from(e: HostError) -> Self {
        Failure("SIM1004", e.to_string())
    }
}

/// The ID of a usage error (exit status 2).
pub const USAGE: &str = "SIM0002";

fn invalid(text: impl Into<String>) -> Failure {
    Failure("SIM1001", text.into())
}

/// Runs `acmsim` with `args` (program name first); returns the exit status.
/// This console again, for the service and the freeze watchdog it starts.
fn myself() -> Result<std::process::Command, Failure> {
    acm_core::program::command("acmsim")
        .ok_or_else(|| Failure("SIM1007", "the acmsim program cannot be found".to_string()))
}

/// The console's row in the multicall binary's tables.
pub const ENTRIES: &[acm_core::program::Entry] = &[acm_core::program::Entry {
    name: "acmsim",
    main: entry,
}];

fn entry(argv: acm_core::cli::Argv) -> ExitCode {
    main(std::iter::once(OsString::from("acmsim")).chain(argv))
}

pub fn main<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    paths::private_files();
    acm_core::command::quiet_on_closed_stdout();
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) if e.use_stderr() => {
            let line = acm_core::cli::console_usage_line(&e.to_string());
            eprintln!("acmsim: {USAGE} {line}");
            return ExitCode::from(2);
        }
        Err(e) => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
    };
    match run(cli.cmd) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(id, text)) => {
            eprintln!("acmsim: {id} {text}");
            ExitCode::from(1)
        }
    }
}

/// `acmsim serve`: in this process with `--foreground`; otherwise in a
/// detached child, returning once it answers.
fn serve(foreground: bool, idle_exit: Option<u64>) -> Result<(), Failure> {
    use acm_sim::service::{self, ServeError};
    let home = paths::sim_home();
    if foreground {
        let opts = service::Options {
            home,
            idle_exit: idle_exit.map(std::time::Duration::from_secs),
        };
        return service::serve(opts, || {}).map_err(|e| match e {
            ServeError::Running { .. } => Failure("SIM1008", e.to_string()),
            ServeError::Sim(s) => Failure::from(s),
            ServeError::Io(_) => Failure("SIM1007", e.to_string()),
        });
    }
    // A service that holds the pid file but does not answer is starting or
    // stopping: wait for the one or the other.
    let t0 = std::time::Instant::now();
    while let Some(pid) = acm_sim::client::service_pid(&home) {
        if acm_sim::client::ready(&home) {
            println!(
                "acmsim: the array service (pid {pid}) already serves {}",
                home.display()
            );
            return Ok(());
        }
        if t0.elapsed() > std::time::Duration::from_secs(20) {
            return Err(Failure(
                "SIM1008",
                format!(
                    "the array service (pid {pid}) holds {} but does not answer",
                    home.display()
                ),
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::fs::create_dir_all(&home).map_err(|e| Failure("SIM1007", e.to_string()))?;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(service::log_path(&home))
        .map_err(|e| Failure("SIM1007", e.to_string()))?;
    let mut cmd = myself()?;
    cmd.arg("serve").arg("--foreground");
    if let Some(s) = idle_exit {
        cmd.arg("--idle-exit").arg(s.to_string());
    }
    let err_log = log
        .try_clone()
        .map_err(|e| Failure("SIM1007", e.to_string()))?;
    use std::os::unix::process::CommandExt;
    let mut child = cmd
        .env("ACMSIM_HOME", &home)
        .stdin(std::process::Stdio::null())
        .stdout(log)
        .stderr(err_log)
        .process_group(0)
        .spawn()
        .map_err(|e| Failure("SIM1007", format!("cannot start the array service: {e}")))?;
    let t0 = std::time::Instant::now();
    loop {
        if acm_sim::client::ready(&home) {
            break;
        }
        if let Ok(Some(status)) = child.try_wait() {
            // Lost a race with another start: that one serves the home once
            // it answers, unless it fails at start as this one did.
            while let Some(pid) = acm_sim::client::service_pid(&home) {
                if acm_sim::client::ready(&home) {
                    println!(
                        "acmsim: the array service (pid {pid}) already serves {}",
                        home.display()
                    );
                    return Ok(());
                }
                if t0.elapsed() > std::time::Duration::from_secs(20) {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            let tail = std::fs::read_to_string(service::log_path(&home)).unwrap_or_default();
            let last = tail.lines().last().unwrap_or("").trim().to_string();
            return Err(Failure(
                "SIM1008",
                format!("the array service exited at start ({status}): {last}"),
            ));
        }
        if t0.elapsed() > std::time::Duration::from_secs(20) {
            return Err(Failure(
                "SIM1008",
                "the array service did not answer within 20 seconds".into(),
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    println!(
        "acmsim: the array service (pid {}) serves {}",
        child.id(),
        home.display()
    );
    Ok(())
}

fn open() -> Result<Array, Failure> {
    Ok(Array::open(&paths::sim_home())?)
}

/// `acmsim iscsi`: asks the array service to start, stop or describe its portal.
fn iscsi_cmd(c: IscsiCmd) -> Result<(), Failure> {
    let home = paths::sim_home();
    let refused = |e: String| Failure("SIM1010", e);
    let answer = match c {
        IscsiCmd::Start { listen, chap } => {
            if listen.parse::<std::net::SocketAddr>().is_err() {
                return Err(Failure(
                    "SIM1001",
                    format!("--listen {listen}: not an ADDR:PORT (e.g. 127.0.0.1:3260)"),
                ));
            }
            let mut words = vec!["start".to_string(), listen];
            if let Some(c) = chap {
                match c.split_once(':') {
                    Some((u, s)) if !u.is_empty() && (12..=255).contains(&s.len()) => {
                        words.push(u.to_string());
                        words.push(s.to_string());
                    }
                    _ => {
                        return Err(Failure(
                            "SIM1001",
                            "--chap wants USER:SECRET with a secret of 12 to 16 characters \
                             (RFC 7143 §12.1.3)"
                                .into(),
                        ))
                    }
                }
            }
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            acm_sim::client::iscsi(&home, &words).map_err(refused)?
        }
        IscsiCmd::Stop => acm_sim::client::iscsi(&home, &["stop"]).map_err(refused)?,
        IscsiCmd::Status => match acm_sim::client::iscsi(&home, &["status"]) {
            Ok(Some(text)) => Some(text),
            Ok(None) => None,
            Err(e) if e.contains("no iSCSI portal runs") => None,
            Err(e) => return Err(refused(e)),
        },
    };
    match answer {
        Some(text) => {
            print!("{text}");
            Ok(())
        }
        None => {
            println!("no iSCSI portal runs for {}", home.display());
            std::process::exit(3)
        }
    }
}

/// Opens the array, runs `f`, commits.
fn with_array<T>(f: impl FnOnce(&mut Array) -> Result<T, Failure>) -> Result<T, Failure> {
    let mut a = open()?;
    let out = f(&mut a)?;
    a.commit()?;
    Ok(out)
}

fn run(cmd: Cmd) -> Result<(), Failure> {
    match cmd {
        Cmd::Serve {
            foreground,
            idle_exit,
        } => serve(foreground, idle_exit),
        Cmd::Stop => {
            let home = paths::sim_home();
            match acm_sim::client::stop(&home) {
                Ok(true) => println!("acmsim: the array service of {} stopped", home.display()),
                Ok(false) => println!(
                    "acmsim: the array service of {} is not running",
                    home.display()
                ),
                Err(e) => return Err(Failure("SIM1009", e)),
            }
            Ok(())
        }
        Cmd::Status => {
            let home = paths::sim_home();
            match acm_sim::client::status(&home) {
                Ok(Some(text)) => {
                    print!("running\n{text}");
                    Ok(())
                }
                Ok(None) => {
                    println!("not running\nhome {}", home.display());
                    std::process::exit(3)
                }
                Err(e) => Err(Failure("SIM1009", e)),
            }
        }
        Cmd::Iscsi(c) => iscsi_cmd(c),
        Cmd::Box(c) => box_cmd(c),
        Cmd::Lun(c) => lun_cmd(c),
        Cmd::Raidgroup(c) => raidgroup_cmd(c),
        Cmd::Host(c) => host_cmd(c),
        Cmd::Write {
            device,
            seed,
            offset,
            length,
        } => {
            let mut dev = open_device(&device)?;
            let offset = offset.unwrap_or(0);
            let size = acm_host::DiskIo::size(&dev);
            let length = length.unwrap_or(size.saturating_sub(offset));
            pattern::write_pattern(&mut dev, seed, offset, length)?;
            println!("{device} {length} bytes written (seed {seed}, offset {offset})");
            Ok(())
        }
        Cmd::Checksum { device } => {
            let mut dev = open_device(&device)?;
            println!("{} {device}", pattern::checksum(&mut dev)?);
            Ok(())
        }
        Cmd::Rate { name, rate } => {
            let r = match rate.as_str() {
                "unlimited" => Rate::Unlimited,
                "paused" => Rate::Paused,
                other => match parse_size(other) {
                    Ok(0) | Err(_) => {
                        return Err(invalid(format!(
                        "'{other}' is not a rate (bytes per second > 0, 'unlimited' or 'paused')"
                    )))
                    }
                    Ok(n) => Rate::BytesPerSecond(n),
                },
            };
            with_array(|a| {
                let bid = a.bid_by_name(&name)?;
                a.admin(&bid, |s| {
                    s.rate = r;
                    Ok(())
                })?;
                Ok(())
            })
        }
        Cmd::Advance { name, bytes, all } => with_array(|a| {
            let bid = a.bid_by_name(&name)?;
            let budget = if all { u64::MAX } else { bytes.unwrap_or(0) };
            let used = a.advance(&bid, budget)?;
            println!("{name} {used} bytes copied");
            Ok(())
        }),
        Cmd::Sessions { name, olu } => sessions(&name, olu),
        Cmd::Show { svg } => {
            let a = open()?;
            let host = HostStore::open().load()?;
            let picture = show::Picture::read(&a, &host)?;
            drop(a);
            if let Some(file) = svg {
                acm_core::store::write_atomic(&file, picture.svg().as_bytes())
                    .map_err(|e| Failure("SIM1007", e.to_string()))?;
            }
            print!("{}", picture.text());
            Ok(())
        }
        Cmd::Pool {
            name,
            size,
            encrypted,
            raidgroup,
        } => with_array(|a| {
            let bid = a.bid_by_name(&name)?;
            if let Some(n) = raidgroup {
                a.set_pool_raidgroup(&bid, n)?;
            }
            a.admin(&bid, |s| {
                s.pool.capacity_bytes = size;
                s.pool.encrypted = encrypted;
                Ok(())
            })?;
            Ok(())
        }),
        Cmd::Sdv {
            name,
            olu,
            physical,
        } => with_array(|a| {
            let bid = a.bid_by_name(&name)?;
            a.admin(&bid, |s| match s.luns.get_mut(&olu).map(|l| &mut l.kind) {
                Some(LunKind::Sdv(sdv)) => {
                    sdv.physical_bytes = physical;
                    Ok(())
                }
                Some(_) => Err(SimError::Invalid(format!(
                    "LUN {olu} of {name} is not an SDV"
                ))),
                None => Err(SimError::Invalid(format!("{name} has no LUN {olu}"))),
            })?;
            Ok(())
        }),
        Cmd::Path { a: x, b: y, state } => with_array(|a| {
            let (bx, by) = (a.bid_by_name(&x)?, a.bid_by_name(&y)?);
            if bx == by {
                return Err(invalid("a REC path joins two different boxes"));
            }
            a.set_path(&bx, &by, state == "up")?;
            Ok(())
        }),
        Cmd::Recbuf {
            name,
            id,
            usage,
            size,
            remote,
        } => with_array(|a| {
            let bid = a.bid_by_name(&name)?;
            let rid = a.bid_by_name(&remote)?;
            let remote_box = String::from_utf8_lossy(&rid).into_owned();
            a.admin(&bid, |s| {
                if s.rec_buffers.contains_key(&id) {
                    return Err(SimError::Invalid(format!(
                        "{name} already has REC buffer {id}"
                    )));
                }
                let usage = if usage == "SEND" {
                    BufferUse::Send
                } else {
                    BufferUse::Recv
                };
                s.rec_buffers.insert(
                    id,
                    RecBuffer {
                        usage,
                        size_bytes: size,
                        remote_box,
                    },
                );
                Ok(())
            })?;
            Ok(())
        }),
        Cmd::Diskbuf {
            name,
            size,
            fault,
            remove,
        } => with_array(|a| {
            let bid = a.bid_by_name(&name)?;
            a.admin(&bid, |s| {
                if remove {
                    s.disk_buffer = None;
                    return Ok(());
                }
                let cur = s.disk_buffer.get_or_insert(DiskBuffer {
                    size_bytes: 0,
                    fault: None,
                });
                if let Some(sz) = size {
                    cur.size_bytes = sz;
                }
                cur.fault = fault;
                Ok(())
            })?;
            Ok(())
        }),
        Cmd::Copy(c) => copy_cmd(c),
        Cmd::Fault(f) => fault_cmd(f),
        Cmd::Limits {
            name,
            box_sessions,
            lun_sessions,
        } => with_array(|a| {
            let bid = a.bid_by_name(&name)?;
            let limits = a.admin(&bid, |s| {
                if let Some(n) = box_sessions {
                    s.limits.box_sessions = n;
                }
                if let Some(n) = lun_sessions {
                    s.limits.lun_sessions = n;
                }
                Ok(s.limits.clone())
            })?;
            println!(
                "{name} box-sessions={} lun-sessions={}",
                limits.box_sessions, limits.lun_sessions
            );
            Ok(())
        }),
    }
}

fn rate_text(r: Rate) -> String {
    match r {
        Rate::Unlimited => "unlimited".into(),
        Rate::Paused => "paused".into(),
        Rate::BytesPerSecond(n) => format!("{n}"),
    }
}

fn box_cmd(c: BoxCmd) -> Result<(), Failure> {
    match c {
        BoxCmd::Create { name, profile } => with_array(|a| {
            let profile = match profile {
                ProfileArg::Vendor => acm_sim::state::Profile::Vendor,
                ProfileArg::Standard => acm_sim::state::Profile::Standard,
                ProfileArg::Xcopy => acm_sim::state::Profile::Xcopy,
            };
            println!("{}", a.create_box_profiled(&name, profile)?);
            Ok(())
        }),
        BoxCmd::List => {
            let a = open()?;
            for bid in a.box_ids() {
                if let Some(s) = a.state(&bid) {
                    println!("{} {} {}", s.name, s.box_id, rate_text(s.rate));
                }
            }
            Ok(())
        }
        BoxCmd::Show { name } => {
            let a = open()?;
            let bid = a.bid_by_name(&name)?;
            let s = a.state(&bid).ok_or_else(|| invalid("box vanished"))?;
            println!("Name        : {}", s.name);
            println!("BoxID       : {}", s.box_id);
            println!("Grain       : {}", s.grain_bytes);
            println!("Rate        : {}", rate_text(s.rate));
            let profile = match s.profile {
                acm_sim::state::Profile::Vendor => "vendor",
                acm_sim::state::Profile::Standard => "standard",
                acm_sim::state::Profile::Xcopy => "xcopy",
            };
            println!("Profile     : {profile}");
            println!("LUNs        : {}", s.luns.len());
            println!("Sessions    : {}", s.sessions.len());
            println!("Pool        : {}", s.pool.capacity_bytes);
            for (remote, up) in &s.paths {
                println!("Path        : {remote} {}", if *up { "up" } else { "down" });
            }
            for (id, b) in &s.rec_buffers {
                let u = if b.usage == BufferUse::Send {
                    "SEND"
                } else {
                    "RECV"
                };
                println!("REC buffer  : {id} {u} {} {}", b.size_bytes, b.remote_box);
            }
            Ok(())
        }
    }
}

fn lun_cmd(c: LunCmd) -> Result<(), Failure> {
    match c {
        LunCmd::Create {
            name,
            size,
            count,
            sdv,
            physical,
            access,
            thin,
            raidgroup,
        } => with_array(|a| {
            let bid = a.bid_by_name(&name)?;
            let kind = if sdv {
                LunKind::Sdv(Sdv {
                    physical_bytes: physical.unwrap_or(size),
                    allocated: Default::default(),
                    copy_grains: 0,
                    host_grains: 0,
                })
            } else if access {
                LunKind::Access
            } else {
                LunKind::Standard
            };
            let label = if thin { "thin" } else { kind_label(&kind) };
            a.check_group(&bid, raidgroup)?;
            let made = a.create_luns_provisioned(&bid, size, count, kind, thin)?;
            for olu in &made {
                a.set_lun_raidgroup(&bid, *olu, raidgroup)?;
            }
            for olu in made {
                println!("{olu} {name} {size} {label}");
            }
            Ok(())
        }),
        LunCmd::List { name } => {
            let a = open()?;
            let bid = a.bid_by_name(&name)?;
            if let Some(s) = a.state(&bid) {
                for (olu, l) in &s.luns {
                    println!(
                        "{olu} {} {} {}",
                        l.size_bytes,
                        format_size(l.size_bytes).replace(' ', ""),
                        if l.thin { "thin" } else { kind_label(&l.kind) }
                    );
                }
            }
            Ok(())
        }
    }
}

/// `acmsim raidgroup`: RAID groups and the drives of Eco-mode groups.
fn raidgroup_cmd(c: RaidgroupCmd) -> Result<(), Failure> {
    use acm_sim::state::Drives;
    match c {
        RaidgroupCmd::Create {
            name,
            number,
            eco,
            spin_up,
            idle_delay,
        } => with_array(|a| {
            let bid = a.bid_by_name(&name)?;
            Ok(a.raidgroup_create(&bid, number, eco, spin_up, idle_delay)?)
        }),
        RaidgroupCmd::List { name } => {
            let groups = with_array(|a| {
                let bid = a.bid_by_name(&name)?;
                Ok(a.raidgroups(&bid)?)
            })?;
            println!(
                "{:<10} {:<6} {:<8} {:<16} Kept-By",
                "RAID-Group", "Mode", "Drives", "LUNs"
            );
            for g in groups {
                let luns = if g.luns.is_empty() {
                    "-".to_string()
                } else {
                    g.luns
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(",")
                };
                println!(
                    "{:<10} {:<6} {:<8} {:<16} {}",
                    g.number,
                    if g.eco { "eco" } else { "normal" },
                    g.drives.label(),
                    luns,
                    g.kept_by.as_deref().unwrap_or("-")
                );
            }
            Ok(())
        }
        RaidgroupCmd::Spindle {
            name,
            number,
            action,
            sync,
            timeout,
        } => {
            let start = action == SpindleArg::Start;
            let mut drives = with_array(|a| {
                let bid = a.bid_by_name(&name)?;
                Ok(a.spindle(&bid, number, start)?)
            })?;
            let want = if start {
                Drives::Active
            } else {
                Drives::Stopped
            };
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(timeout);
            let mut kept_by = None;
            while sync && drives != want {
                if std::time::Instant::now() >= deadline {
                    let why = kept_by
                        .map(|k| format!(" (kept by {k})"))
                        .unwrap_or_default();
                    return Err(Failure(
                        "SIM1011",
                        format!(
                            "RAID group {number} of box {name} is still {} after {timeout} seconds{why}",
                            drives.label()
                        ),
                    ));
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
                let g = with_array(|a| {
                    let bid = a.bid_by_name(&name)?;
                    Ok(a.raidgroups(&bid)?)
                })?
                .into_iter()
                .find(|g| g.number == number);
                let Some(g) = g else { break };
                drives = g.drives;
                kept_by = g.kept_by;
            }
            println!("{name} {number} {}", drives.label());
            Ok(())
        }
    }
}

fn kind_label(k: &LunKind) -> &'static str {
    match k {
        LunKind::Standard => "standard",
        LunKind::Access => "access",
        LunKind::Sdv(_) => "sdv",
    }
}

/// What a host learns of LUN `olu` of box `name` by asking it, as a host
/// discovers a disk: INQUIRY (the box's identity) and READ CAPACITY, one CDB
/// each through the array service, so attaching costs the same whatever the
/// size of the array. A box or LUN that is not there is named.
fn discover(name: &str, olu: u32, vxvm: bool) -> Result<Disk, Failure> {
    let transport = acm_sim::client::SocketTransport::from_env(name, olu);
    let mut d = acm_scsi::driver::Driver::new(transport);
    let asked = d.identity().and_then(|id| Ok((id, d.capacity()?)));
    let (id, blocks) = match asked {
        Ok(v) => v,
        Err(_) => {
            // Say precisely what is missing, as the array knows it.
            let a = open()?;
            let bid: Bid = a.bid_by_name(name)?;
            let st = a.state(&bid).ok_or_else(|| invalid("box vanished"))?;
            if !st.luns.contains_key(&olu) {
                return Err(invalid(format!("box {name} has no LUN {olu}")));
            }
            return Err(invalid(format!("LUN {olu} of box {name} does not answer")));
        }
    };
    Ok(Disk {
        box_name: name.to_string(),
        box_id: id.box_id.as_str().to_string(),
        olu,
        size: blocks * m::BLOCK,
        vxvm,
        node: None,
        block: None,
    })
}

fn host_cmd(c: HostCmd) -> Result<(), Failure> {
    let store = HostStore::open();
    match c {
        HostCmd::Attach {
            name,
            olu,
            device,
            vxvm,
            block,
        } => {
            let mut disk = discover(&name, olu, vxvm)?;
            if !block {
                store.attach(&device, disk)?;
                println!("{device} attached ({name} LUN {olu})");
                return Ok(());
            }
            // Refused as the attach would be, before any loop device exists.
            store.load()?.attach(&device, disk.clone())?;
            let (lo, _) = block_device(&name, olu)?;
            disk.block = Some(lo.clone());
            if let Err(e) = store.attach(&device, disk) {
                let _ = acm_core::blockdev::loop_detach(&lo);
                return Err(e.into());
            }
            println!("{device} attached ({name} LUN {olu}) as {lo}");
        }
        HostCmd::Blockdev { device } => {
            let h = store.load()?;
            let (_, lo) = h
                .block_disk(&device)
                .filter(|_| device.starts_with("/dev/"))
                .ok_or_else(|| host_refused(format!("{device} is not a block disk")))?;
            let backing = our_loop(&lo).map(|l| l.backing);
            match backing {
                Some(file) if std::fs::metadata(&file).is_ok() => {
                    println!("{lo} {}", file.display())
                }
                _ => {
                    return Err(host_refused(format!(
                        "{device}: its block device {lo} is stale (the array service that \
                         served it stopped); run acmsim host recover"
                    )))
                }
            }
        }
        HostCmd::Recover => recover(&store)?,
        HostCmd::Freeze { mount_point, limit } => freeze(&store, &mount_point, limit)?,
        HostCmd::Thaw { mount_point, after } => thaw(&store, &mount_point, after)?,
        HostCmd::AttachNode { device, node } => {
            let disk = acm_host::scsi::probe_node(&node)?;
            let (box_id, olu) = (disk.box_id.clone(), disk.olu);
            store.attach(&device, disk)?;
            println!("{device} attached ({node}: box {box_id} LUN {olu})");
        }
        HostCmd::Detach { device } => store.update(|h| {
            let lo = h.disks.get(&device).and_then(|d| d.block.clone());
            h.detach(&device)?;
            match lo {
                Some(lo) if acm_core::blockdev::device_number(&lo).is_some() => {
                    acm_core::blockdev::loop_detach(&lo).map_err(HostError::System)
                }
                _ => Ok(()),
            }
        })?,
        HostCmd::Vg(v) => match v {
            VgCmd::Create { vg, devices } => {
                let refs: Vec<&str> = devices.iter().map(String::as_str).collect();
                let name = store.update(|h| h.create_vg(&vg, &refs))?;
                println!("{name} created");
            }
            VgCmd::Remove { vg } => store.update(|h| h.remove_vg(&vg))?,
            VgCmd::Varyon { vg } => store.update(|h| h.varyon(&vg))?,
            VgCmd::Varyoff { vg } => store.update(|h| h.varyoff(&vg))?,
        },
        HostCmd::Lv {
            vg,
            lv,
            mount_point,
        } => {
            let name = store.update(|h| h.add_lv(&vg, &lv, mount_point.as_deref()))?;
            println!("{name} created");
        }
        HostCmd::Mount {
            target,
            mount_point,
            options,
        } => {
            // A bare name is a logical volume: `lv01` means `/dev/lv01`.
            let target = if target.starts_with('/') {
                target
            } else {
                format!("/dev/{target}")
            };
            let h = store.load()?;
            let mp = match h
                .block_disk(&target)
                .filter(|_| target.starts_with("/dev/"))
            {
                Some((_, lo)) => {
                    let (_, mp) = h.check_mount(&target, mount_point.as_deref())?;
                    acm_core::blockdev::mount(&lo, std::path::Path::new(&mp), options.as_deref())
                        .map_err(host_refused)?;
                    mp
                }
                None if options.is_some() => {
                    return Err(invalid(format!(
                        "{target} is not a block disk: mount options apply to block disks only"
                    )))
                }
                None => store.update(|h| h.mount(&target, mount_point.as_deref()))?,
            };
            println!("{mp} mounted");
        }
        HostCmd::Umount { target } => {
            let h = store.load()?;
            match h.block_disk(&target) {
                Some((dev, lo)) => {
                    let points: Vec<String> = if target.starts_with("/dev/") {
                        h.mounts
                            .iter()
                            .filter(|(_, d)| **d == dev)
                            .map(|(mp, _)| mp.clone())
                            .collect()
                    } else {
                        vec![target.trim_end_matches('/').to_string()]
                    };
                    if points.is_empty() {
                        return Err(HostError::NotMounted(target).into());
                    }
                    // The deepest first, as umount(8) needs.
                    for mp in points.iter().rev() {
                        acm_core::blockdev::umount(std::path::Path::new(mp))
                            .map_err(|e| host_refused(format!("{dev} ({lo}): {e}")))?;
                    }
                }
                None => store.update(|h| h.umount(&target))?,
            }
        }
        HostCmd::List => {
            let h = store.load()?;
            for (dev, d) in &h.disks {
                println!(
                    "disk {dev} {} {} {}{}{}",
                    d.box_name,
                    d.olu,
                    format_size(d.size).replace(' ', ""),
                    if d.vxvm { " vxvm" } else { "" },
                    d.block
                        .as_deref()
                        .map(|b| format!(" {b}"))
                        .unwrap_or_default()
                );
            }
            for (vg, g) in &h.volume_groups {
                println!(
                    "vg {vg} {} {}",
                    if g.active { "active" } else { "inactive" },
                    g.disks.join(",")
                );
                for (lv, l) in &g.lvs {
                    println!(
                        "lv {lv} {vg} {}",
                        l.mount_point.as_deref().unwrap_or("----")
                    );
                }
            }
            for (mp, dev) in &h.mounts {
                println!("mount {mp} {dev}");
            }
        }
    }
    Ok(())
}

/// The watchdog's pid file of a frozen mount point.
fn freeze_file(mp: &str) -> std::path::PathBuf {
    let name: String = mp
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    paths::sim_host_dir()
        .join("freeze")
        .join(format!("{name}.pid"))
}

/// The block disk mounted at `mp`, or `None` for a simulated mount.
fn frozen_target(store: &HostStore, mp: &str) -> Result<Option<String>, Failure> {
    let h = store.load()?;
    let mp = mp.trim_end_matches('/').to_string();
    if !h.mounts.contains_key(&mp) {
        return Err(HostError::NotMounted(mp).into());
    }
    Ok(h.block_disk(&mp).map(|_| mp))
}

fn freeze(store: &HostStore, mp: &str, limit: u64) -> Result<(), Failure> {
    if limit == 0 || limit > 86_400 {
        return Err(invalid("--limit: give seconds from 1 to 86400"));
    }
    let Some(mp) = frozen_target(store, mp)? else {
        println!("{mp} frozen (a simulated mount: nothing to flush)");
        return Ok(());
    };
    let pid_file = freeze_file(&mp);
    if let Some(dir) = pid_file.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Failure("SIM1007", e.to_string()))?;
    }
    // The watchdog first: a freeze must never outlive its bound.
    use std::os::unix::process::CommandExt;
    let dog = myself()?
        .args(["host", "thaw", &mp, "--after", &limit.to_string()])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| Failure("SIM1007", format!("cannot start the thaw watchdog: {e}")))?;
    acm_core::store::write_atomic(&pid_file, format!("{}\n", dog.id()).as_bytes())
        .map_err(|e| Failure("SIM1007", e.to_string()))?;
    let out = std::process::Command::new("fsfreeze")
        .args(["--freeze", &mp])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| Failure("SIM1007", format!("cannot run fsfreeze: {e}")))?;
    if !out.status.success() {
        kill(dog.id() as i32);
        let _ = std::fs::remove_file(&pid_file);
        return Err(host_refused(format!(
            "fsfreeze --freeze {mp} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    println!("{mp} frozen (thawed in {limit} seconds at the latest)");
    Ok(())
}

fn kill(pid: i32) {
    // SAFETY: kill(2) with a pid we started; a pid gone already is ESRCH.
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
}

fn thaw(store: &HostStore, mp: &str, after: Option<u64>) -> Result<(), Failure> {
    let mp = mp.trim_end_matches('/').to_string();
    let pid_file = freeze_file(&mp);
    if let Some(s) = after {
        std::thread::sleep(std::time::Duration::from_secs(s));
        // Thawed and maybe frozen again since: only the current watchdog acts.
        let mine = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok())
            == Some(std::process::id());
        if !mine {
            return Ok(());
        }
    } else if frozen_target(store, &mp)?.is_none() {
        println!("{mp} thawed (a simulated mount)");
        return Ok(());
    }
    let out = std::process::Command::new("fsfreeze")
        .args(["--unfreeze", &mp])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| Failure("SIM1007", format!("cannot run fsfreeze: {e}")))?;
    if let Some(pid) = std::fs::read_to_string(&pid_file)
        .ok()
        .and_then(|t| t.trim().parse::<i32>().ok())
    {
        if pid != std::process::id() as i32 {
            kill(pid);
        }
    }
    let _ = std::fs::remove_file(&pid_file);
    // EINVAL: it was not frozen, which is what thawing wants.
    let err = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() && !err.contains("Invalid argument") {
        return Err(host_refused(format!(
            "fsfreeze --unfreeze {mp} failed: {}",
            err.trim()
        )));
    }
    println!("{mp} thawed");
    Ok(())
}

fn host_refused(text: impl Into<String>) -> Failure {
    Failure("SIM1004", text.into())
}

/// The loop device the array service attaches for LUN `olu` of box `name`.
fn block_device(name: &str, olu: u32) -> Result<(String, std::path::PathBuf), Failure> {
    acm_sim::client::block(&paths::sim_home(), name, olu).map_err(|e| Failure("SIM1009", e))
}

/// Loop device `lo` if it is this home's: its backing file is in this
/// home's block face. Loop device numbers are the machine's, so once ours
/// was detached the same number may back another home's face, which is
/// neither ours to report nor ours to unmount or detach.
fn our_loop(lo: &str) -> Option<acm_core::blockdev::Loop> {
    // The kernel names a loop device's backing file by its absolute path.
    let home = paths::sim_home();
    let face = acm_sim::block::mount_point(&std::fs::canonicalize(&home).unwrap_or(home));
    acm_core::blockdev::loops()
        .into_iter()
        .find(|l| l.device == lo && l.backing.starts_with(&face))
}

/// Whether a block disk's loop device still reaches a live block face.
fn block_alive(lo: &str) -> bool {
    our_loop(lo).is_some_and(|l| std::fs::metadata(&l.backing).is_ok())
}

/// `acmsim host recover`: see `docs/block-disks.md` ("After a killed array
/// service"). Every step says what it did; the first that fails stops
/// the recovery with its reason, and running it again goes on from there.
fn recover(store: &HostStore) -> Result<(), Failure> {
    use acm_core::blockdev;
    let h = store.load()?;
    let stale: Vec<(String, Disk)> = h
        .disks
        .iter()
        .filter(|(_, d)| d.block.as_deref().is_some_and(|b| !block_alive(b)))
        .map(|(n, d)| (n.clone(), d.clone()))
        .collect();
    if stale.is_empty() {
        println!("acmsim: no stale block disk");
        return Ok(());
    }
    let mut remount: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for (dev, d) in &stale {
        let lo = d.block.clone().unwrap_or_default();
        let mut points = Vec::new();
        if our_loop(&lo).is_some() {
            let mounts = blockdev::mounts_of(&lo);
            for m in mounts.iter().rev() {
                let mp = m.mount_point.to_string_lossy().into_owned();
                let ro = m.options.split(',').any(|o| o == "ro");
                if blockdev::umount(&m.mount_point).is_err() {
                    // Writes to a dead disk fail; a lazy unmount still lets go.
                    blockdev::umount_lazy(&m.mount_point)
                        .map_err(|e| host_refused(format!("{dev}: {e}")))?;
                }
                println!("{dev}: unmounted {mp} from the stale {lo}");
                points.push((mp, if ro { "ro".to_string() } else { String::new() }));
            }
            points.reverse();
            if our_loop(&lo).is_some() {
                blockdev::loop_detach(&lo).map_err(host_refused)?;
                println!("{dev}: detached the stale {lo}");
            }
        }
        remount.push((dev.clone(), points));
    }
    let face = acm_sim::block::mount_point(&paths::sim_home());
    acm_sim::block::clear_stale(&face).map_err(host_refused)?;
    for ((dev, d), (_, points)) in stale.iter().zip(&remount) {
        let (lo, _) = block_device(&d.box_name, d.olu)?;
        store.update(|h| {
            if let Some(x) = h.disks.get_mut(dev) {
                x.block = Some(lo.clone());
            }
            Ok(())
        })?;
        println!("{dev}: attached again as {lo}");
        if points.is_empty() {
            continue;
        }
        // The file system was cut off mid-flight: check (and repair) it
        // before it is mounted again. fsck's 1 is "errors corrected".
        let fsck = std::process::Command::new("fsck")
            .args(["-a", "-T", &lo])
            .stdin(std::process::Stdio::null())
            .status()
            .map_err(|e| host_refused(format!("{dev}: cannot run fsck: {e}")))?;
        let code = fsck.code().unwrap_or(8);
        println!("{dev}: fsck -a {lo} exit {code}");
        if code >= 4 {
            return Err(host_refused(format!(
                "{dev}: the file system check of {lo} left errors (exit {code}); \
                 repair it (fsck {lo}) and mount it by hand"
            )));
        }
        for (mp, opts) in points {
            let o = (!opts.is_empty()).then_some(opts.as_str());
            blockdev::mount(&lo, std::path::Path::new(mp), o).map_err(host_refused)?;
            println!("{dev}: mounted {lo} on {mp}");
        }
    }
    Ok(())
}

fn fault_cmd(f: FaultCmd) -> Result<(), Failure> {
    with_array(|a| {
        match f {
            FaultCmd::Badsector { name, olu, lba } => {
                let bid = a.bid_by_name(&name)?;
                a.add_bad_sector(&bid, olu, lba)?;
            }
            FaultCmd::Hwerror { name, olu, clear } => {
                let bid = a.bid_by_name(&name)?;
                a.set_hardware_fault(&bid, olu, !clear)?;
            }
            FaultCmd::Unobtainable { name, state } => {
                let bid = a.bid_by_name(&name)?;
                a.admin(&bid, |s| {
                    s.faults.unobtainable = state == "on";
                    Ok(())
                })?;
            }
        }
        Ok(())
    })
}

/// The one LUN behind a host device (a disk, or a volume group of one disk).
fn lun_of(device: &str) -> Result<acm_host::DiskRef, Failure> {
    let host = HostStore::open().load_for(&[device])?;
    let mut r = host.resolve(device)?;
    if r.disks.len() != 1 {
        return Err(invalid(format!(
            "{device} spans {} disks; name one disk",
            r.disks.len()
        )));
    }
    Ok(r.disks.remove(0))
}

fn driver_of(
    device: &str,
) -> Result<acm_scsi::driver::Driver<Box<dyn acm_scsi::transport::Transport>>, Failure> {
    Ok(acm_host::scsi::driver_for(&lun_of(device)?))
}

fn extent_of(d: &acm_host::DiskRef, blocks: u64) -> Result<m::Extent, Failure> {
    Ok(m::Extent {
        box_id: m::BoxId::parse(&d.box_id)
            .ok_or_else(|| invalid(format!("{} has a bad box id", d.device)))?,
        olu: d.olu,
        start_lba: 0,
        blocks,
    })
}

fn refused(e: acm_scsi::driver::DriverError) -> Failure {
    Failure("SIM1005", format!("the array refused: {e}"))
}

fn copy_cmd(c: CopyCmd) -> Result<(), Failure> {
    match c {
        CopyCmd::Start {
            kind,
            source,
            destination,
            transfer,
            manual_split,
            manual_recovery,
            skip,
            no_access,
            define,
        } => {
            let (s, d) = (lun_of(&source)?, lun_of(&destination)?);
            let kind = match kind.as_str() {
                "opc" => m::CopyKind::Opc,
                "quickopc" => m::CopyKind::QuickOpc,
                "snapopc" => m::CopyKind::SnapOpc,
                "snapopcplus" => m::CopyKind::SnapOpcPlus,
                "ec" => m::CopyKind::Ec,
                _ => m::CopyKind::Rec,
            };
            let blocks = s.size / m::BLOCK;
            let rec = (kind == m::CopyKind::Rec).then_some(m::RecModes {
                transfer: match transfer.as_str() {
                    "sync" => m::Transfer::Sync,
                    "stack" => m::Transfer::Stack,
                    "consistency" => m::Transfer::Consistency,
                    _ => m::Transfer::Through,
                },
                split: if manual_split {
                    m::Split::Manual
                } else {
                    m::Split::Auto
                },
                recovery: if manual_recovery {
                    m::Recovery::Manual
                } else {
                    m::Recovery::Auto
                },
            });
            let req = m::StartRequest {
                kind,
                src: extent_of(&s, blocks)?,
                dst: extent_of(&d, blocks)?,
                rec,
                dest_access: if no_access {
                    m::DestAccess::NoAccess
                } else {
                    m::DestAccess::ReadOnly
                },
                skip_initial_copy: skip,
                define_only: define,
            };
            let id = acm_host::scsi::driver_for(&s)
                .start(&req)
                .map_err(refused)?;
            println!("{id}");
        }
        CopyCmd::Restart { device, id, remain } => driver_of(&device)?
            .restart(&m::RestartRequest {
                id,
                remain,
                rec: None,
            })
            .map_err(refused)?,
        CopyCmd::Suspend {
            device,
            ids,
            forced,
        } => driver_of(&device)?.suspend(&ids, forced).map_err(refused)?,
        CopyCmd::Cancel {
            device,
            id,
            older,
            tracking_only,
            halted_only,
        } => driver_of(&device)?
            .cancel(&m::CancelRequest {
                id,
                with_older_generations: older,
                tracking_only,
                only_if_halted: halted_only,
            })
            .map_err(refused)?,
        CopyCmd::Reverse { device, id } => driver_of(&device)?.reverse(id).map_err(refused)?,
        CopyCmd::Concurrent { device, ids } => driver_of(&device)?
            .start_concurrent(&ids)
            .map_err(refused)?,
        CopyCmd::List { device } => {
            let infos = driver_of(&device)?.sessions().map_err(refused)?;
            print_sessions(&open()?, &infos);
        }
    }
    Ok(())
}

fn sessions(name: &str, olu: Option<u32>) -> Result<(), Failure> {
    let a = open()?;
    let bid = a.bid_by_name(name)?;
    let luns: Vec<u32> = match olu {
        Some(o) => vec![o],
        None => a
            .state(&bid)
            .map(|s| s.luns.keys().copied().collect())
            .unwrap_or_default(),
    };
    let mut infos: Vec<m::SessionInfo> = Vec::new();
    for o in luns {
        for i in a.session_infos(&bid, o)? {
            if !infos.iter().any(|j| j.owner == i.owner && j.id == i.id) {
                infos.push(i);
            }
        }
    }
    print_sessions(&a, &infos);
    Ok(())
}

/// One line per session: id, kind, source and destination as `box:olu`, phase, status,
/// physical copy progress, changed grains, SnapOPC+ generation.
fn print_sessions(a: &Array, infos: &[m::SessionInfo]) {
    let name_of = |e: &m::Extent| {
        a.state(&e.box_id.0)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| e.box_id.to_string())
    };
    println!("ID Type Source Destination Phase Status Copied% Changed Gen");
    for i in infos {
        let pct = ((i.total_grains - i.pending_grains) * 100)
            .checked_div(i.total_grains)
            .unwrap_or(100);
        println!(
            "{} {:?} {}:{} {}:{} {:?} {} {}% {} {}",
            i.id,
            i.kind,
            name_of(&i.src),
            i.src.olu,
            name_of(&i.dst),
            i.dst.olu,
            i.phase,
            status_text(i.status),
            pct,
            i.changed_grains,
            if i.generation == 0 {
                "-".to_string()
            } else {
                i.generation.to_string()
            }
        );
    }
}

fn status_text(s: m::Status) -> String {
    match s {
        m::Status::Active => "Active".into(),
        m::Status::Suspended => "Suspend".into(),
        m::Status::ErrorSuspend(r) => format!("ErrorSuspend({r:?})"),
        m::Status::Halt(h) => format!("Halt({h:?})"),
    }
}

fn open_device(device: &str) -> Result<acm_host::HostDevice, Failure> {
    let host = HostStore::open().load_for(&[device])?;
    let resolved = host.resolve(device)?;
    Ok(acm_host::scsi::open_device(&resolved)?)
}
