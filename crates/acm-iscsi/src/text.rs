//! Text keys (RFC 7143 §6): `key=value` pairs, each ended by a NUL, and the
//! negotiation of the operational keys the target takes part in (§13).

/// The pairs of a text or login data segment, in order. A pair without `=`
/// is kept with an empty value (and refused by the negotiation).
pub fn parse(data: &[u8]) -> Vec<(String, String)> {
    data.split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let s = String::from_utf8_lossy(s);
            match s.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (s.to_string(), String::new()),
            }
        })
        .collect()
}

/// Encodes pairs as a data segment.
pub fn encode(pairs: &[(String, String)]) -> Vec<u8> {
    let mut v = Vec::new();
    for (k, val) in pairs {
        v.extend_from_slice(k.as_bytes());
        v.push(b'=');
        v.extend_from_slice(val.as_bytes());
        v.push(0);
    }
    v
}

/// What the target offers and what a session ends up with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    pub header_digest: bool,
    pub data_digest: bool,
    /// What the initiator can receive in one PDU (it declares it).
    pub initiator_max_recv: u32,
    /// What the target receives in one PDU (it declares it).
    pub target_max_recv: u32,
    pub max_burst: u32,
    pub first_burst: u32,
    pub initial_r2t: bool,
    pub immediate_data: bool,
    pub max_outstanding_r2t: u32,
}

/// The target's own limits.
pub const TARGET_MAX_RECV: u32 = 256 * 1024;
pub const TARGET_MAX_BURST: u32 = 1024 * 1024;
pub const TARGET_FIRST_BURST: u32 = 256 * 1024;

impl Default for Params {
    /// The RFC's defaults, which hold for every key not negotiated.
    fn default() -> Params {
        Params {
            header_digest: false,
            data_digest: false,
            initiator_max_recv: 8192,
            target_max_recv: TARGET_MAX_RECV,
            max_burst: 262_144,
            first_burst: 65_536,
            initial_r2t: true,
            immediate_data: true,
            max_outstanding_r2t: 1,
        }
    }
}

/// Why an operational key cannot be agreed: the login fails with
/// "initiator error" (§13: an out-of-range value is a protocol error).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{key}={value} cannot be accepted")]
pub struct Unacceptable {
    pub key: String,
    pub value: String,
}

fn number(key: &str, v: &str, lo: u64, hi: u64) -> Result<u64, Unacceptable> {
    let n = if let Some(h) = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else {
        v.parse().ok()
    };
    n.filter(|n| (lo..=hi).contains(n)).ok_or(Unacceptable {
        key: key.into(),
        value: v.into(),
    })
}

fn yes_no(key: &str, v: &str) -> Result<bool, Unacceptable> {
    match v {
        "Yes" => Ok(true),
        "No" => Ok(false),
        _ => Err(Unacceptable {
            key: key.into(),
            value: v.into(),
        }),
    }
}

/// The first of the initiator's digest choices the target supports.
fn digest_choice(v: &str) -> Option<(&'static str, bool)> {
    v.split(',').find_map(|c| match c {
        "None" => Some(("None", false)),
        "CRC32C" => Some(("CRC32C", true)),
        _ => None,
    })
}

fn yn(b: bool) -> String {
    if b { "Yes" } else { "No" }.to_string()
}

/// Answers one operational key the initiator sent, updating `p`. `None` for
/// a key this function does not negotiate (the login handles names and
/// session type). Declarative keys the target needs not answer get `None`
/// through `Some(None)`.
pub fn negotiate(
    p: &mut Params,
    key: &str,
    v: &str,
) -> Option<Result<Option<String>, Unacceptable>> {
    let bad = || Unacceptable {
        key: key.into(),
        value: v.into(),
    };
    let r = match key {
        "HeaderDigest" | "DataDigest" => match digest_choice(v) {
            Some((name, on)) => {
                if key == "HeaderDigest" {
                    p.header_digest = on;
                } else {
                    p.data_digest = on;
                }
                Ok(Some(name.to_string()))
            }
            None => Ok(Some("Reject".into())),
        },
        "MaxRecvDataSegmentLength" => number(key, v, 512, 16_777_215).map(|n| {
            p.initiator_max_recv = n as u32;
            // Declarative: the target declares its own in return.
            Some(p.target_max_recv.to_string())
        }),
        "MaxBurstLength" => number(key, v, 512, 16_777_215).map(|n| {
            p.max_burst = (n as u32).min(TARGET_MAX_BURST);
            Some(p.max_burst.to_string())
        }),
        "FirstBurstLength" => number(key, v, 512, 16_777_215).map(|n| {
            p.first_burst = (n as u32).min(TARGET_FIRST_BURST);
            Some(p.first_burst.to_string())
        }),
        // OR: Yes wins; the target would rather not wait for R2Ts, so it says No.
        "InitialR2T" => yes_no(key, v).map(|b| {
            p.initial_r2t = b;
            Some(yn(b))
        }),
        // AND: the target accepts immediate data.
        "ImmediateData" => yes_no(key, v).map(|b| {
            p.immediate_data = b;
            Some(yn(b))
        }),
        "MaxOutstandingR2T" => number(key, v, 1, 65535).map(|_| {
            p.max_outstanding_r2t = 1;
            Some("1".into())
        }),
        "MaxConnections" => number(key, v, 1, 65535).map(|_| Some("1".into())),
        "ErrorRecoveryLevel" => number(key, v, 0, 2).map(|_| Some("0".into())),
        "DefaultTime2Wait" => number(key, v, 0, 3600).map(|n| Some(n.max(2).to_string())),
        "DefaultTime2Retain" => number(key, v, 0, 3600).map(|_| Some("0".into())),
        // The target delivers data in order and says so (OR with Yes is Yes).
        "DataPDUInOrder" | "DataSequenceInOrder" => yes_no(key, v).map(|_| Some("Yes".into())),
        "IFMarker" | "OFMarker" => yes_no(key, v).map(|_| Some("No".into())),
        "OFMarkInt" | "IFMarkInt" => Ok(Some("Irrelevant".into())),
        "InitiatorAlias" => Ok(None),
        "TargetPortalGroupTag" | "TargetAlias" | "TargetAddress" => Err(bad()),
        _ => return None,
    };
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_round_trip() {
        let d = b"InitiatorName=iqn.x\0SessionType=Normal\0\0";
        let p = parse(d);
        assert_eq!(p[0], ("InitiatorName".into(), "iqn.x".into()));
        assert_eq!(parse(&encode(&p)), p);
    }

    #[test]
    fn negotiation_takes_the_rfc_functions() {
        let mut p = Params::default();
        let mut n = |k: &str, v: &str| negotiate(&mut p, k, v).unwrap().unwrap();
        assert_eq!(n("HeaderDigest", "CRC32C,None"), Some("CRC32C".into()));
        assert_eq!(n("DataDigest", "None,CRC32C"), Some("None".into()));
        assert_eq!(n("MaxBurstLength", "16776192"), Some("1048576".into()));
        assert_eq!(n("FirstBurstLength", "4096"), Some("4096".into()));
        assert_eq!(n("InitialR2T", "No"), Some("No".into()));
        assert_eq!(
            n("MaxRecvDataSegmentLength", "65536"),
            Some("262144".into())
        );
        assert!(p.header_digest && !p.data_digest);
        assert_eq!(p.initiator_max_recv, 65536);
        assert_eq!(p.first_burst, 4096);
        assert!(!p.initial_r2t);
        assert!(negotiate(&mut p, "MaxBurstLength", "12").unwrap().is_err());
        assert!(negotiate(&mut p, "X-vendor", "1").is_none());
        assert_eq!(
            negotiate(&mut p, "HeaderDigest", "MD5").unwrap().unwrap(),
            Some("Reject".into())
        );
    }
}
