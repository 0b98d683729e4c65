//! The frames between a host and the array service over `$ACMSIM_HOME/array.sock`.
//!
//! One EXECUTE frame carries what one `SG_IO` carries (the CDB, the data-out
//! bytes or the data-in length, the timeout) plus what the device node names
//! for `SG_IO`: the box and LUN addressed. Its reply carries the SCSI status,
//! the sense bytes, the residual and the data-in bytes. `docs/vendor-scsi.md`
//! ("The array service's socket") lays the frames out byte by byte; every
//! integer is big-endian. Both ends refuse a frame that is malformed or larger
//! than [`MAX_BODY`] without reading further, so a bad client costs the service
//! one error reply and one closed connection.

use std::io::{self, Read, Write};

/// Magic of a request frame.
pub const REQUEST_MAGIC: [u8; 4] = *b"ACMQ";
/// Magic of a reply frame.
pub const REPLY_MAGIC: [u8; 4] = *b"ACMR";
/// The protocol version both ends speak.
pub const VERSION: u8 = 1;
/// The most data one frame carries: the driver's largest query reply (256 MiB)
/// and a little room for the header fields.
pub const MAX_DATA: usize = 256 << 20;
/// The largest frame body accepted.
pub const MAX_BODY: usize = MAX_DATA + 4096;
/// The longest box name or identifier a request names.
pub const MAX_TARGET: usize = 64;
/// The longest CDB (SPC-4 variable-length CDBs stay well inside).
pub const MAX_CDB: usize = 64;

/// What a request asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    /// Run one CDB on one LUN.
    Execute = 1,
    /// Hand the home over to a process that opens the array directly, until
    /// the connection closes.
    Lease = 2,
    /// Say what the service serves.
    Status = 3,
    /// Commit and stop.
    Stop = 4,
    /// Expose one LUN as a Linux block device (the array's block face); the
    /// reply names the loop device and the file behind it.
    Block = 5,
    /// Start, stop or describe the array's iSCSI portal: the body is the
    /// subcommand in text (`start ADDR [USER SECRET]`, `stop`, `status`).
    Iscsi = 6,
}

impl Op {
    fn from_u8(v: u8) -> Option<Op> {
        Some(match v {
            1 => Op::Execute,
            2 => Op::Lease,
            3 => Op::Status,
            4 => Op::Stop,
            5 => Op::Block,
            6 => Op::Iscsi,
            _ => return None,
        })
    }
}

/// What a reply is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ReplyKind {
    /// The command completed at the target (GOOD or CHECK CONDITION).
    Completion = 0,
    /// The command could not be delivered: the body is the reason, in text.
    Error = 1,
    /// A lease is granted, a status is told, a stop is done: the body is text.
    Done = 2,
}

/// Which way data moves, as `SG_IO`'s `dxfer_direction`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Direction {
    None,
    Out(Vec<u8>),
    In(usize),
}

/// One CDB for one LUN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execute {
    /// Box name or 40-character box identifier.
    pub target: String,
    pub olu: u32,
    /// The client's fixed clock (`ACMSIM_CLOCK`), seconds since the epoch; 0 = real time.
    pub clock: u64,
    pub timeout_ms: u32,
    pub cdb: Vec<u8>,
    pub data: Direction,
}

/// How a command ended, as the reply carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completed {
    pub status: u8,
    pub sense: Vec<u8>,
    pub residual: u32,
    pub data_in: Vec<u8>,
}

/// A frame that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("connection: {0}")]
    Io(#[from] io::Error),
    #[error("malformed frame: {0}")]
    Malformed(String),
}

fn malformed(text: impl Into<String>) -> WireError {
    WireError::Malformed(text.into())
}

/// Writes a frame: magic, version, op or kind, two zero bytes, body length, body.
fn write_frame(w: &mut impl Write, magic: [u8; 4], code: u8, body: &[u8]) -> io::Result<()> {
    let mut head = Vec::with_capacity(12 + body.len());
    head.extend_from_slice(&magic);
    head.push(VERSION);
    head.push(code);
    head.extend_from_slice(&[0, 0]);
    head.extend_from_slice(&(body.len() as u32).to_be_bytes());
    head.extend_from_slice(body);
    w.write_all(&head)?;
    w.flush()
}

/// Reads one frame; `None` when the peer closed the connection before it.
fn read_frame(r: &mut impl Read, magic: [u8; 4]) -> Result<Option<(u8, Vec<u8>)>, WireError> {
    let mut head = [0u8; 12];
    let mut got = 0;
    while got < head.len() {
        match r.read(&mut head[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(malformed("the header is cut short")),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    if head[..4] != magic {
        return Err(malformed("bad magic"));
    }
    if head[4] != VERSION {
        return Err(malformed(format!(
            "protocol version {} (this end speaks {VERSION})",
            head[4]
        )));
    }
    let len = u32::from_be_bytes([head[8], head[9], head[10], head[11]]) as usize;
    if len > MAX_BODY {
        return Err(malformed(format!("a body of {len} bytes is too large")));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)
        .map_err(|_| malformed("the body is cut short"))?;
    Ok(Some((head[5], body)))
}

/// A cursor over a body that refuses to read past its end.
struct Body<'a>(&'a [u8]);

impl<'a> Body<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if self.0.len() < n {
            return Err(malformed("a field runs past the body"));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_be_bytes(
            self.take(4)?.try_into().unwrap_or([0; 4]),
        ))
    }
    fn u64(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_be_bytes(
            self.take(8)?.try_into().unwrap_or([0; 8]),
        ))
    }
}

/// Sends a request that has no body (LEASE, STATUS, STOP).
pub fn send_op(w: &mut impl Write, op: Op) -> io::Result<()> {
    write_frame(w, REQUEST_MAGIC, op as u8, &[])
}

/// Sends an EXECUTE request.
pub fn send_execute(w: &mut impl Write, x: &Execute) -> io::Result<()> {
    let mut b = Vec::with_capacity(32 + x.target.len() + x.cdb.len());
    b.push(x.target.len() as u8);
    b.extend_from_slice(x.target.as_bytes());
    b.extend_from_slice(&x.olu.to_be_bytes());
    b.extend_from_slice(&x.clock.to_be_bytes());
    b.extend_from_slice(&x.timeout_ms.to_be_bytes());
    b.push(x.cdb.len() as u8);
    b.extend_from_slice(&x.cdb);
    match &x.data {
        Direction::None => {
            b.push(0);
            b.extend_from_slice(&0u32.to_be_bytes());
        }
        Direction::Out(d) => {
            b.push(1);
            b.extend_from_slice(&(d.len() as u32).to_be_bytes());
            b.extend_from_slice(d);
        }
        Direction::In(n) => {
            b.push(2);
            b.extend_from_slice(&(*n as u32).to_be_bytes());
        }
    }
    write_frame(w, REQUEST_MAGIC, Op::Execute as u8, &b)
}

/// A request as the service reads it.
#[derive(Debug)]
pub enum Request {
    Execute(Execute),
    Lease,
    Status,
    Stop,
    /// Box name or identifier, and OLU.
    Block(String, u32),
    /// The iSCSI portal subcommand, as words.
    Iscsi(Vec<String>),
}

/// The longest iSCSI subcommand accepted.
pub const MAX_ISCSI_REQUEST: usize = 1024;

/// Asks the service to run an iSCSI portal subcommand (`words`).
pub fn send_iscsi(w: &mut impl Write, words: &[&str]) -> io::Result<()> {
    let mut b = Vec::new();
    for word in words {
        b.extend_from_slice(word.as_bytes());
        b.push(0);
    }
    write_frame(w, REQUEST_MAGIC, Op::Iscsi as u8, &b)
}

/// Asks for the block device of LUN `olu` of box `target`.
pub fn send_block(w: &mut impl Write, target: &str, olu: u32) -> io::Result<()> {
    let mut b = Vec::with_capacity(8 + target.len());
    b.push(target.len().min(255) as u8);
    b.extend_from_slice(&target.as_bytes()[..target.len().min(255)]);
    b.extend_from_slice(&olu.to_be_bytes());
    write_frame(w, REQUEST_MAGIC, Op::Block as u8, &b)
}

fn target_name(c: &mut Body<'_>) -> Result<String, WireError> {
    let tlen = c.u8()? as usize;
    if tlen == 0 || tlen > MAX_TARGET {
        return Err(malformed(format!("a target name of {tlen} bytes")));
    }
    Ok(std::str::from_utf8(c.take(tlen)?)
        .map_err(|_| malformed("the target name is not UTF-8"))?
        .to_string())
}

/// Reads one request; `None` when the client closed the connection.
pub fn read_request(r: &mut impl Read) -> Result<Option<Request>, WireError> {
    let Some((code, body)) = read_frame(r, REQUEST_MAGIC)? else {
        return Ok(None);
    };
    let op = Op::from_u8(code).ok_or_else(|| malformed(format!("unknown request {code}")))?;
    let empty = |req| {
        if body.is_empty() {
            Ok(Some(req))
        } else {
            Err(malformed("this request takes no body"))
        }
    };
    match op {
        Op::Lease => empty(Request::Lease),
        Op::Status => empty(Request::Status),
        Op::Stop => empty(Request::Stop),
        Op::Block => {
            let mut c = Body(&body);
            let target = target_name(&mut c)?;
            let olu = c.u32()?;
            if !c.0.is_empty() {
                return Err(malformed("bytes after the OLU"));
            }
            Ok(Some(Request::Block(target, olu)))
        }
        Op::Iscsi => {
            if body.len() > MAX_ISCSI_REQUEST {
                return Err(malformed("an iSCSI request that long"));
            }
            let text = std::str::from_utf8(&body)
                .map_err(|_| malformed("the iSCSI request is not UTF-8"))?;
            let words = text
                .split('\0')
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect();
            Ok(Some(Request::Iscsi(words)))
        }
        Op::Execute => {
            let mut c = Body(&body);
            let target = target_name(&mut c)?;
            let olu = c.u32()?;
            let clock = c.u64()?;
            let timeout_ms = c.u32()?;
            let clen = c.u8()? as usize;
            if clen == 0 || clen > MAX_CDB {
                return Err(malformed(format!("a CDB of {clen} bytes")));
            }
            let cdb = c.take(clen)?.to_vec();
            let dir = c.u8()?;
            let dlen = c.u32()? as usize;
            if dlen > MAX_DATA {
                return Err(malformed(format!("{dlen} bytes of data is too much")));
            }
            let data = match dir {
                0 if dlen == 0 => Direction::None,
                1 => Direction::Out(c.take(dlen)?.to_vec()),
                2 => Direction::In(dlen),
                _ => return Err(malformed(format!("data direction {dir} with {dlen} bytes"))),
            };
            if !c.0.is_empty() {
                return Err(malformed("bytes after the data"));
            }
            Ok(Some(Request::Execute(Execute {
                target,
                olu,
                clock,
                timeout_ms,
                cdb,
                data,
            })))
        }
    }
}

/// Sends a completion.
pub fn send_completion(w: &mut impl Write, c: &Completed) -> io::Result<()> {
    let mut b = Vec::with_capacity(6 + c.sense.len() + c.data_in.len());
    b.push(c.status);
    b.push(c.sense.len().min(255) as u8);
    b.extend_from_slice(&c.residual.to_be_bytes());
    b.extend_from_slice(&c.sense[..c.sense.len().min(255)]);
    b.extend_from_slice(&c.data_in);
    write_frame(w, REPLY_MAGIC, ReplyKind::Completion as u8, &b)
}

/// Sends a text reply (an error, or what a LEASE, STATUS or STOP did).
pub fn send_text(w: &mut impl Write, kind: ReplyKind, text: &str) -> io::Result<()> {
    write_frame(w, REPLY_MAGIC, kind as u8, text.as_bytes())
}

/// A reply as the client reads it.
#[derive(Debug)]
pub enum Reply {
    Completion(Completed),
    Error(String),
    Done(String),
}

/// Reads one reply; a closed connection is an error here.
pub fn read_reply(r: &mut impl Read) -> Result<Reply, WireError> {
    let (code, body) = read_frame(r, REPLY_MAGIC)?
        .ok_or_else(|| malformed("the service closed the connection"))?;
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    match code {
        0 => {
            let mut c = Body(&body);
            let status = c.u8()?;
            let slen = c.u8()? as usize;
            let residual = c.u32()?;
            let sense = c.take(slen)?.to_vec();
            Ok(Reply::Completion(Completed {
                status,
                sense,
                residual,
                data_in: c.0.to_vec(),
            }))
        }
        1 => Ok(Reply::Error(text(body))),
        2 => Ok(Reply::Done(text(body))),
        k => Err(malformed(format!("unknown reply {k}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn execute_round_trips() {
        let x = Execute {
            target: "BOX1".into(),
            olu: 7,
            clock: 1_237_801_574,
            timeout_ms: 60_000,
            cdb: vec![0x88, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 8, 0, 0],
            data: Direction::In(4096),
        };
        let mut buf = Vec::new();
        send_execute(&mut buf, &x).unwrap();
        match read_request(&mut buf.as_slice()).unwrap() {
            Some(Request::Execute(y)) => assert_eq!(x, y),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn completion_round_trips() {
        let c = Completed {
            status: 2,
            sense: vec![0x70, 0, 5],
            residual: 12,
            data_in: vec![1, 2, 3],
        };
        let mut buf = Vec::new();
        send_completion(&mut buf, &c).unwrap();
        match read_reply(&mut buf.as_slice()).unwrap() {
            Reply::Completion(d) => assert_eq!(c, d),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_frames_are_refused() {
        let mut good = Vec::new();
        send_execute(
            &mut good,
            &Execute {
                target: "B".into(),
                olu: 0,
                clock: 0,
                timeout_ms: 0,
                cdb: vec![0],
                data: Direction::Out(vec![9; 10]),
            },
        )
        .unwrap();
        // Every truncation, a bad magic, a bad version, a huge length, a bad op.
        for cut in 1..good.len() {
            assert!(read_request(&mut &good[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = good.clone();
        bad[0] = b'X';
        assert!(read_request(&mut bad.as_slice()).is_err());
        let mut bad = good.clone();
        bad[4] = 9;
        assert!(read_request(&mut bad.as_slice()).is_err());
        let mut bad = good.clone();
        bad[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(read_request(&mut bad.as_slice()).is_err());
        let mut bad = good.clone();
        bad[5] = 99;
        assert!(read_request(&mut bad.as_slice()).is_err());
        let mut bad = good;
        bad.push(0);
        bad[11] += 1;
        assert!(read_request(&mut bad.as_slice()).is_err());
        assert!(read_request(&mut [].as_slice()).unwrap().is_none());
    }
}
