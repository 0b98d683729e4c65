//! The array's block face: exported LUNs as files in a FUSE mount, with a loop
//! device over each, so a LUN is a real Linux block device.
//!
//! The service mounts `$ACMSIM_HOME/block` (file system type `fuse.acmsim`) the
//! first time a LUN is exported, and lists there one file per exported LUN,
//! `<box>.<olu>`. Every read and write of such a file becomes one READ(16) or
//! WRITE(16) CDB and runs through the same function as a CDB from the socket,
//! so tracking, copy-on-write, mirroring and faults see it: a CHECK CONDITION
//! (a bad sector, a hardware error) is EIO to the file system above. `fsync`
//! is SYNCHRONIZE CACHE(16). Files are opened with FOPEN_DIRECT_IO and never
//! with FUSE passthrough: the kernel caches nothing and bypasses nothing. The
//! loop device is attached with `--direct-io=on`, so there is no page cache
//! between the file system and the array either.
//!
//! Stopping: loop devices over the face are detached first (which the kernel
//! refuses while one is mounted: the service refuses to stop then), and the
//! FUSE mount goes last. A killed service leaves a dead mount and stale loop
//! devices; `acmsim host recover` clears them (`docs/simulator.md`).

use crate::wire::{Completed, Direction};
use acm_core::blockdev;
use acm_scsi::cdb::Command;
use acm_scsi::model::BLOCK;
use fuser::{
    Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, INodeNo, LockOwner, OpenFlags,
    ReplyAttr, ReplyData, ReplyDirectory, ReplyEmpty, ReplyEntry, ReplyOpen, ReplyWrite, Request,
    WriteFlags,
};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// Where the face is mounted in the home it serves.
pub fn mount_point(home: &Path) -> PathBuf {
    home.join("block")
}

/// The file name of an exported LUN.
pub fn file_name(box_name: &str, olu: u32) -> String {
    format!("{box_name}.{olu}")
}

/// What runs a CDB on the array for the face (the service's request path).
pub trait Backend: Send + Sync + 'static {
    fn execute(
        &self,
        target: &str,
        olu: u32,
        cdb: &[u8],
        data: Direction,
    ) -> Result<Completed, String>;
}

/// One exported LUN.
#[derive(Debug, Clone)]
struct Export {
    name: String,
    /// The box's identifier (what a CDB's target names).
    target: String,
    olu: u32,
    size: u64,
}

type Exports = Arc<Mutex<Vec<Export>>>;

fn lock(e: &Exports) -> std::sync::MutexGuard<'_, Vec<Export>> {
    e.lock().unwrap_or_else(|p| p.into_inner())
}

struct Fs<B> {
    backend: B,
    exports: Exports,
    mounted_at: SystemTime,
}

/// Inode 1 is the directory; export `i` is inode `i + 2`.
fn ino_of(i: usize) -> INodeNo {
    INodeNo(i as u64 + 2)
}

const TTL: Duration = Duration::from_secs(1);

impl<B: Backend> Fs<B> {
    fn export(&self, ino: INodeNo) -> Option<Export> {
        let i = u64::from(ino).checked_sub(2)? as usize;
        lock(&self.exports).get(i).cloned()
    }

    fn attr(&self, ino: INodeNo, size: u64, dir: bool) -> FileAttr {
        let t = self.mounted_at;
        FileAttr {
            ino,
            size,
            blocks: size / 512,
            atime: t,
            mtime: t,
            ctime: t,
            crtime: t,
            kind: if dir {
                FileType::Directory
            } else {
                FileType::RegularFile
            },
            perm: if dir { 0o700 } else { 0o600 },
            nlink: if dir { 2 } else { 1 },
            uid: 0,
            gid: 0,
            rdev: 0,
            blksize: 4096,
            flags: 0,
        }
    }

    /// Reads whole blocks `[lba, lba + n)` through the array.
    fn read_blocks(&self, e: &Export, lba: u64, n: u64) -> Result<Vec<u8>, Errno> {
        let blocks = u32::try_from(n).map_err(|_| Errno::EINVAL)?;
        let cdb = Command::Read16 { lba, blocks }.encode();
        let len = (n * BLOCK) as usize;
        let c = self
            .backend
            .execute(&e.target, e.olu, &cdb, Direction::In(len))
            .map_err(|_| Errno::EIO)?;
        if c.status != 0 || c.data_in.len() != len {
            return Err(Errno::EIO);
        }
        Ok(c.data_in)
    }

    fn write_blocks(&self, e: &Export, lba: u64, data: Vec<u8>) -> Result<(), Errno> {
        let blocks = u32::try_from(data.len() as u64 / BLOCK).map_err(|_| Errno::EINVAL)?;
        let cdb = Command::Write16 { lba, blocks }.encode();
        let c = self
            .backend
            .execute(&e.target, e.olu, &cdb, Direction::Out(data))
            .map_err(|_| Errno::EIO)?;
        if c.status != 0 {
            return Err(Errno::EIO);
        }
        Ok(())
    }

    fn write_at(&self, e: &Export, offset: u64, data: &[u8]) -> Result<(), Errno> {
        let end = offset + data.len() as u64;
        if end > e.size {
            return Err(Errno::ENOSPC);
        }
        if offset.is_multiple_of(BLOCK) && (data.len() as u64).is_multiple_of(BLOCK) {
            return self.write_blocks(e, offset / BLOCK, data.to_vec());
        }
        // Unaligned (a tool writing the file directly): read, modify, write.
        let first = offset / BLOCK;
        let last = end.div_ceil(BLOCK);
        let mut buf = self.read_blocks(e, first, last - first)?;
        let at = (offset - first * BLOCK) as usize;
        buf[at..at + data.len()].copy_from_slice(data);
        self.write_blocks(e, first, buf)
    }
}

impl<B: Backend> Filesystem for Fs<B> {
    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        if parent != INodeNo::ROOT {
            return reply.error(Errno::ENOENT);
        }
        let found = lock(&self.exports)
            .iter()
            .enumerate()
            .find(|(_, e)| OsStr::new(&e.name) == name)
            .map(|(i, e)| (i, e.size));
        match found {
            Some((i, size)) => reply.entry(
                &TTL,
                &self.attr(ino_of(i), size, false),
                fuser::Generation(0),
            ),
            None => reply.error(Errno::ENOENT),
        }
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        if ino == INodeNo::ROOT {
            return reply.attr(&TTL, &self.attr(ino, 0, true));
        }
        match self.export(ino) {
            Some(e) => reply.attr(&TTL, &self.attr(ino, e.size, false)),
            None => reply.error(Errno::ENOENT),
        }
    }

    fn setattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        _mode: Option<u32>,
        _uid: Option<u32>,
        _gid: Option<u32>,
        size: Option<u64>,
        _atime: Option<fuser::TimeOrNow>,
        _mtime: Option<fuser::TimeOrNow>,
        _ctime: Option<SystemTime>,
        _fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        let Some(e) = self.export(ino) else {
            return reply.error(Errno::ENOENT);
        };
        // A LUN's size is the array's to set, not the host's.
        if size.is_some_and(|s| s != e.size) {
            return reply.error(Errno::EPERM);
        }
        reply.attr(&TTL, &self.attr(ino, e.size, false))
    }

    fn open(&self, _req: &Request, ino: INodeNo, _flags: OpenFlags, reply: ReplyOpen) {
        if self.export(ino).is_none() {
            return reply.error(Errno::ENOENT);
        }
        reply.opened(FileHandle(0), FopenFlags::FOPEN_DIRECT_IO)
    }

    fn read(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        let Some(e) = self.export(ino) else {
            return reply.error(Errno::ENOENT);
        };
        let end = (offset + u64::from(size)).min(e.size);
        if offset >= end {
            return reply.data(&[]);
        }
        let first = offset / BLOCK;
        let last = end.div_ceil(BLOCK);
        match self.read_blocks(&e, first, last - first) {
            Ok(buf) => {
                let at = (offset - first * BLOCK) as usize;
                reply.data(&buf[at..at + (end - offset) as usize])
            }
            Err(errno) => reply.error(errno),
        }
    }

    fn write(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: WriteFlags,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyWrite,
    ) {
        let Some(e) = self.export(ino) else {
            return reply.error(Errno::ENOENT);
        };
        match self.write_at(&e, offset, data) {
            Ok(()) => reply.written(data.len() as u32),
            Err(errno) => reply.error(errno),
        }
    }

    fn flush(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _lock_owner: LockOwner,
        reply: ReplyEmpty,
    ) {
        // Nothing is cached here: every write has reached the array.
        reply.ok()
    }

    fn fsync(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        let Some(e) = self.export(ino) else {
            return reply.error(Errno::ENOENT);
        };
        let cdb = Command::SynchronizeCache16 { lba: 0, blocks: 0 }.encode();
        match self
            .backend
            .execute(&e.target, e.olu, &cdb, Direction::None)
        {
            Ok(c) if c.status == 0 => reply.ok(),
            _ => reply.error(Errno::EIO),
        }
    }

    fn readdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        if ino != INodeNo::ROOT {
            return reply.error(Errno::ENOTDIR);
        }
        let mut entries = vec![
            (INodeNo::ROOT, FileType::Directory, ".".to_string()),
            (INodeNo::ROOT, FileType::Directory, "..".to_string()),
        ];
        for (i, e) in lock(&self.exports).iter().enumerate() {
            entries.push((ino_of(i), FileType::RegularFile, e.name.clone()));
        }
        for (i, (ino, kind, name)) in entries.into_iter().enumerate().skip(offset as usize) {
            if reply.add(ino, (i + 1) as u64, kind, name) {
                break;
            }
        }
        reply.ok()
    }
}

/// The mounted face.
pub struct Face {
    dir: PathBuf,
    exports: Exports,
    session: Option<fuser::BackgroundSession>,
}

impl Face {
    /// Mounts the face at `dir` (created when missing). A dead mount left there
    /// by a killed service is cleared first.
    pub fn mount(dir: &Path, backend: impl Backend) -> Result<Face, String> {
        if blockdev::is_fuse_mount(dir) {
            clear_stale(dir)?;
        }
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let exports: Exports = Arc::default();
        let fs = Fs {
            backend,
            exports: exports.clone(),
            mounted_at: SystemTime::now(),
        };
        let mut config = fuser::Config::default();
        config.mount_options = vec![
            fuser::MountOption::FSName("acmsim".into()),
            fuser::MountOption::Subtype("acmsim".into()),
            fuser::MountOption::NoDev,
            fuser::MountOption::NoSuid,
            fuser::MountOption::NoExec,
        ];
        config.n_threads = Some(2);
        let session = fuser::spawn_mount(fs, dir, &config)
            .map_err(|e| format!("cannot mount the block face at {}: {e}", dir.display()))?;
        Ok(Face {
            dir: dir.to_path_buf(),
            exports,
            session: Some(session),
        })
    }

    /// Exports LUN `olu` of box `target` (its identifier) as `name`; returns
    /// the file's path. Exporting again is a no-op.
    pub fn export(&self, name: &str, target: &str, olu: u32, size: u64) -> PathBuf {
        let mut ex = lock(&self.exports);
        if !ex.iter().any(|e| e.name == name) {
            ex.push(Export {
                name: name.to_string(),
                target: target.to_string(),
                olu,
                size,
            });
        }
        self.dir.join(name)
    }

    /// The loop devices over this face's files.
    pub fn loops(&self) -> Vec<blockdev::Loop> {
        loops_under(&self.dir)
    }

    /// Loop devices over the face that the kernel has mounted, with where.
    pub fn mounted(&self) -> Vec<(String, PathBuf)> {
        self.loops()
            .into_iter()
            .flat_map(|l| {
                blockdev::mounts_of(&l.device)
                    .into_iter()
                    .map(move |m| (l.device.clone(), m.mount_point))
            })
            .collect()
    }

    /// Detaches every loop device over the face and unmounts it. Must not run
    /// under the service's state lock: a detach flushes through the face.
    pub fn shut(mut self) -> Result<(), String> {
        let mut errors = Vec::new();
        for l in self.loops() {
            if let Err(e) = blockdev::loop_detach(&l.device) {
                errors.push(e);
            }
        }
        if let Some(s) = self.session.take() {
            if let Err(e) = s.umount_and_join() {
                errors.push(format!("cannot unmount {}: {e}", self.dir.display()));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

/// The loop devices whose backing file is in `dir`.
pub fn loops_under(dir: &Path) -> Vec<blockdev::Loop> {
    blockdev::loops()
        .into_iter()
        .filter(|l| l.backing.parent() == Some(dir))
        .collect()
}

/// Clears what a killed service left at `dir`: loop devices over its files
/// that nothing holds, then the dead FUSE mount (lazily, so a mounted file
/// system above a stale loop device does not keep it). Refuses while such a
/// file system is mounted: it must be unmounted first (`acmsim host recover`).
pub fn clear_stale(dir: &Path) -> Result<(), String> {
    let mut held = Vec::new();
    for l in loops_under(dir) {
        let m = blockdev::mounts_of(&l.device);
        if m.is_empty() {
            blockdev::loop_detach(&l.device)?;
        } else {
            held.push(format!("{} on {}", l.device, m[0].mount_point.display()));
        }
    }
    if !held.is_empty() {
        return Err(format!(
            "stale block disks of a stopped array service are still mounted: {}",
            held.join(", ")
        ));
    }
    if blockdev::is_fuse_mount(dir) {
        blockdev::umount_lazy(dir).map_err(|e| format!("the stale block face: {e}"))?;
    }
    Ok(())
}
