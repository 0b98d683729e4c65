//! The array service's write-back journal, `$ACMSIM_HOME/array.journal`.
//!
//! A real array acknowledges a write once it is in its battery-backed cache.
//! The service's cache is the kernel's page cache: before a command's status
//! returns, what it changed is in the LUN files and its records are appended
//! here (one `write`, no `fsync`), so a crash of the service (kill -9) loses
//! nothing it acknowledged. The store proper (`array.redb`) takes the records
//! at each *checkpoint*: the LUN files touched are synced, the journal's
//! records are committed in one durable transaction, and the journal starts
//! again. Opening the store replays whatever the journal still holds.
//!
//! A power loss is not a crash of the service: the kernel may have written a
//! journal frame to disk before the data it describes. So SYNCHRONIZE CACHE
//! syncs the data touched and then appends a *synced* mark and syncs the
//! journal, and a journal begun in an earlier boot of the machine is replayed
//! only up to its last mark: a record is never trusted before its data.
//!
//! Frames: `len: u32 LE`, `crc32 of the body: u32 LE`, `body` (`len` bytes).
//! A body starts with its kind: `B` (the boot the journal was begun in: the
//! 36 bytes of `/proc/sys/kernel/random/boot_id`), `S` (synced) or `R`
//! (records: a count, then each [`Op`]). A torn or damaged frame ends the
//! journal: what follows it is not read.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// One change of a store record, as a commit writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op {
    /// A box's own fields.
    Box { id: String, rec: Vec<u8> },
    /// One LUN (`None`: removed, with its allocation map).
    Lun {
        id: String,
        olu: u32,
        rec: Option<Vec<u8>>,
    },
    /// One session (`None`: removed, with its grain sets).
    Session {
        id: String,
        sid: u32,
        rec: Option<Vec<u8>>,
    },
    /// One chunk of a grain set (`None`: it holds no grain).
    Chunk {
        id: String,
        set: u8,
        owner: u32,
        chunk: u32,
        words: Option<Vec<u8>>,
    },
}

const BOOT: u8 = b'B';
const SYNCED: u8 = b'S';
const RECORDS: u8 = b'R';
/// A frame larger than this is damage, not a frame.
const MAX_FRAME: usize = 1 << 30;

/// The journal file of a home.
pub(crate) fn journal_path(home: &Path) -> PathBuf {
    home.join("array.journal")
}

/// This boot of the machine, as the kernel names it.
fn boot_id() -> Vec<u8> {
    std::fs::read("/proc/sys/kernel/random/boot_id")
        .map(|b| b.trim_ascii().to_vec())
        .unwrap_or_default()
}

fn put_bytes(out: &mut Vec<u8>, b: Option<&[u8]>) {
    match b {
        Some(b) => {
            out.extend_from_slice(&(b.len() as u32).to_le_bytes());
            out.extend_from_slice(b);
        }
        None => out.extend_from_slice(&u32::MAX.to_le_bytes()),
    }
}

fn encode(ops: &[Op], out: &mut Vec<u8>) {
    out.push(RECORDS);
    out.extend_from_slice(&(ops.len() as u32).to_le_bytes());
    for op in ops {
        let (tag, id) = match op {
            Op::Box { id, .. } => (b'b', id),
            Op::Lun { id, .. } => (b'l', id),
            Op::Session { id, .. } => (b's', id),
            Op::Chunk { id, .. } => (b'c', id),
        };
        out.push(tag);
        put_bytes(out, Some(id.as_bytes()));
        match op {
            Op::Box { rec, .. } => put_bytes(out, Some(rec)),
            Op::Lun { olu: n, rec, .. } | Op::Session { sid: n, rec, .. } => {
                out.extend_from_slice(&n.to_le_bytes());
                put_bytes(out, rec.as_deref());
            }
            Op::Chunk {
                set,
                owner,
                chunk,
                words,
                ..
            } => {
                out.push(*set);
                out.extend_from_slice(&owner.to_le_bytes());
                out.extend_from_slice(&chunk.to_le_bytes());
                put_bytes(out, words.as_deref());
            }
        }
    }
}

/// Reads a body written by [`encode`]; `None` for anything else.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn bytes(&mut self) -> Option<Option<Vec<u8>>> {
        match self.u32()? {
            u32::MAX => Some(None),
            n => self.take(n as usize).map(|b| Some(b.to_vec())),
        }
    }
    fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()??).ok()
    }
}

fn decode(body: &[u8]) -> Option<Vec<Op>> {
    let mut c = Cursor(body);
    if c.u8()? != RECORDS {
        return None;
    }
    let n = c.u32()?;
    let mut ops = Vec::new();
    for _ in 0..n {
        let tag = c.u8()?;
        let id = c.string()?;
        ops.push(match tag {
            b'b' => Op::Box {
                id,
                rec: c.bytes()??,
            },
            b'l' => Op::Lun {
                id,
                olu: c.u32()?,
                rec: c.bytes()?,
            },
            b's' => Op::Session {
                id,
                sid: c.u32()?,
                rec: c.bytes()?,
            },
            b'c' => Op::Chunk {
                id,
                set: c.u8()?,
                owner: c.u32()?,
                chunk: c.u32()?,
                words: c.bytes()?,
            },
            _ => return None,
        });
    }
    c.0.is_empty().then_some(ops)
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(body.len() + 8);
    f.extend_from_slice(&(body.len() as u32).to_le_bytes());
    f.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
    f.extend_from_slice(body);
    f
}

/// The bodies of the whole frames at the start of `bytes`.
fn frames(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while bytes.len() - at >= 8 {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or([0; 4])) as usize;
        let crc = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap_or([0; 4]));
        let end = at + 8 + len;
        if len == 0 || len > MAX_FRAME || end > bytes.len() {
            break;
        }
        let body = &bytes[at + 8..end];
        if crc32fast::hash(body) != crc {
            break;
        }
        out.push(body);
        at = end;
    }
    out
}

/// What a journal holds to replay: the records of every frame to trust, in
/// order (see the module's note on boots).
pub(crate) fn replay(path: &Path) -> std::io::Result<Vec<Op>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let bodies = frames(&bytes);
    let Some((first, rest)) = bodies.split_first() else {
        return Ok(Vec::new());
    };
    if first.first() != Some(&BOOT) {
        return Ok(Vec::new());
    }
    let this_boot = first[1..] == boot_id()[..];
    let trusted = if this_boot {
        rest.len()
    } else {
        rest.iter()
            .rposition(|b| b.first() == Some(&SYNCED))
            .unwrap_or(0)
    };
    let mut ops = Vec::new();
    for body in &rest[..trusted] {
        if body.first() == Some(&RECORDS) {
            ops.extend(decode(body).ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::InvalidData, "a damaged record frame")
            })?);
        }
    }
    Ok(ops)
}

/// The open journal of a service.
pub(crate) struct Journal {
    file: File,
    /// Bytes in the file.
    len: u64,
}

impl Journal {
    /// Begins an empty journal at `path` (what it held was replayed).
    pub fn begin(path: &Path) -> std::io::Result<Journal> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        let mut j = Journal { file, len: 0 };
        j.reset()?;
        Ok(j)
    }

    /// Bytes the journal holds.
    pub fn len(&self) -> u64 {
        self.len
    }

    fn append_frame(&mut self, body: &[u8]) -> std::io::Result<()> {
        let f = frame(body);
        self.file.write_all_at(&f, self.len)?;
        self.len += f.len() as u64;
        Ok(())
    }

    /// Appends the records of one commit (into the page cache: no sync).
    pub fn append(&mut self, ops: &[Op]) -> std::io::Result<()> {
        let mut body = Vec::new();
        encode(ops, &mut body);
        self.append_frame(&body)
    }

    /// Marks that every record so far has its data on disk, and makes the
    /// journal durable to here.
    pub fn synced(&mut self) -> std::io::Result<()> {
        self.append_frame(&[SYNCED])?;
        self.file.sync_data()
    }

    /// Drops the frames before byte `from` (the store holds them now), keeping
    /// the rest: a new journal with them is written beside this one and put
    /// in its place by a rename, so a crash at any moment leaves this journal
    /// or the new one, each whole.
    pub fn keep_from(&mut self, from: u64, path: &Path) -> std::io::Result<()> {
        let mut tail = vec![0u8; (self.len - from) as usize];
        self.file.read_exact_at(&mut tail, from)?;
        let next = path.with_extension("journal.next");
        let mut j = Journal {
            file: OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&next)?,
            len: 0,
        };
        let mut body = vec![BOOT];
        body.extend_from_slice(&boot_id());
        j.append_frame(&body)?;
        j.file.write_all_at(&tail, j.len)?;
        j.len += tail.len() as u64;
        j.file.sync_data()?;
        std::fs::rename(&next, path)?;
        *self = j;
        Ok(())
    }

    /// Empties the journal once the store holds what it held.
    pub fn reset(&mut self) -> std::io::Result<()> {
        self.file.set_len(0)?;
        self.len = 0;
        let mut body = vec![BOOT];
        body.extend_from_slice(&boot_id());
        self.append_frame(&body)?;
        self.file.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops() -> Vec<Op> {
        vec![
            Op::Box {
                id: "B1".into(),
                rec: b"{}".to_vec(),
            },
            Op::Lun {
                id: "B1".into(),
                olu: 3,
                rec: None,
            },
            Op::Session {
                id: "B1".into(),
                sid: 7,
                rec: Some(b"s".to_vec()),
            },
            Op::Chunk {
                id: "B1".into(),
                set: 2,
                owner: 3,
                chunk: 9,
                words: Some(vec![1; 16]),
            },
        ]
    }

    #[test]
    fn records_read_back_in_order() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("j");
        let mut j = Journal::begin(&p).unwrap();
        j.append(&ops()).unwrap();
        j.append(&ops()[1..2]).unwrap();
        let mut want = ops();
        want.push(ops()[1].clone());
        assert_eq!(replay(&p).unwrap(), want);
        j.reset().unwrap();
        assert!(replay(&p).unwrap().is_empty());
    }

    #[test]
    fn a_torn_tail_is_not_read() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("j");
        let mut j = Journal::begin(&p).unwrap();
        j.append(&ops()).unwrap();
        j.append(&ops()).unwrap();
        let full = std::fs::read(&p).unwrap();
        for cut in [full.len() - 1, full.len() - 30] {
            std::fs::write(&p, &full[..cut]).unwrap();
            assert_eq!(replay(&p).unwrap(), ops(), "cut at {cut}");
        }
        let mut flipped = full.clone();
        let at = full.len() - 3;
        flipped[at] ^= 0x40;
        std::fs::write(&p, &flipped).unwrap();
        assert_eq!(replay(&p).unwrap(), ops());
    }

    #[test]
    fn a_journal_of_another_boot_is_trusted_to_its_last_mark() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("j");
        let mut j = Journal::begin(&p).unwrap();
        j.append(&ops()).unwrap();
        j.synced().unwrap();
        j.append(&ops()[..1]).unwrap();
        drop(j);
        assert_eq!(replay(&p).unwrap().len(), ops().len() + 1);
        // The same journal as a machine that rebooted finds it.
        let bytes = std::fs::read(&p).unwrap();
        let rest = &bytes[frame(&[&[BOOT][..], &boot_id()].concat()).len()..];
        let other = [frame(b"Bnot-this-boot"), rest.to_vec()].concat();
        std::fs::write(&p, other).unwrap();
        assert_eq!(replay(&p).unwrap(), ops());
    }
}
