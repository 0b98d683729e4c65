//! The bodies of the one request the daemon serves (`POST /v1/exec`, JSON).
//!
//! Byte fields travel as base64 strings: program input and output are
//! arbitrary bytes, and a JSON array of numbers would be four times larger.

use serde::{Deserialize, Serialize};

/// Run `program` with `args`, feeding it `stdin`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecRequest {
    /// The program's name (no path): the daemon looks it up in its allow-list.
    pub program: String,
    #[serde(default)]
    pub args: Vec<String>,
    /// Bytes for the program's standard input (base64 in JSON).
    #[serde(with = "base64_bytes", default)]
    pub stdin: Vec<u8>,
    /// Environment variables to set for the program (the daemon may ignore
    /// all but a few, such as `SWSTGNODE`).
    #[serde(default)]
    pub env: Vec<(String, String)>,
}

/// What the program did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecResponse {
    /// Its exit status.
    pub status: i32,
    /// Its standard output (base64 in JSON).
    #[serde(with = "base64_bytes", default)]
    pub stdout: Vec<u8>,
    /// Its standard error (base64 in JSON).
    #[serde(with = "base64_bytes", default)]
    pub stderr: Vec<u8>,
}

/// `#[serde(with)]` helpers: `Vec<u8>` as a standard (padded) base64 string.
mod base64_bytes {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    use serde::{de::Error as _, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD.decode(text.as_bytes()).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_round_trips_with_base64_stdin() {
        let req = ExecRequest {
            program: "prog".into(),
            args: vec!["-a".into(), "b c".into()],
            stdin: vec![0, 1, 2, 0xff, b'\n', 0x80],
            env: vec![("SWSTGNODE".into(), "node1".into())],
        };
        let json = serde_json::to_string(&req).expect("serialize");
        let value: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(value["stdin"], serde_json::json!("AAEC/wqA"));
        let back: ExecRequest = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, req);
    }

    #[test]
    fn response_round_trips_with_base64_output() {
        let resp = ExecResponse {
            status: -3,
            stdout: b"hello\0world".to_vec(),
            stderr: Vec::new(),
        };
        let json = serde_json::to_string(&resp).expect("serialize");
        let value: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(value["stdout"], serde_json::json!("aGVsbG8Ad29ybGQ="));
        assert_eq!(value["stderr"], serde_json::json!(""));
        let back: ExecResponse = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, resp);
    }

    #[test]
    fn bad_base64_is_an_error() {
        let err =
            serde_json::from_str::<ExecResponse>(r#"{"status":0,"stdout":"*not*","stderr":""}"#);
        assert!(err.is_err());
    }
}
