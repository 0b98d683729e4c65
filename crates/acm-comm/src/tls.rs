//! TLS identities: the site CA and each server's certificate.
//!
//! A directory holds `ca.pem` (the site CA: the only trust anchor, for both
//! directions), `node.pem` (this server's certificate chain) and `node.key`.
//! The server name is the certificate's subject CN (or its first DNS name), so
//! the same certificate proves who the daemon is to clients and who a client
//! is to a daemon.

use crate::CommError;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};
use rustls::crypto::CryptoProvider;
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::fmt;
use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A server's identity: the site CA it trusts, and its own certificate and key.
///
/// Loading builds both TLS configurations at once, so a bad file is reported
/// when the identity is loaded rather than at the first connection.
#[derive(Clone)]
pub struct Identity {
    name: String,
    dir: PathBuf,
    client: Arc<ClientConfig>,
    server: Arc<ServerConfig>,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("name", &self.name)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// The crypto provider, passed explicitly so that no process-wide default
/// has to be installed (and two crates can't disagree about it).
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn id_err(path: &Path, detail: impl fmt::Display) -> CommError {
    CommError::Identity {
        path: path.display().to_string(),
        detail: detail.to_string(),
    }
}

/// The most bytes of a PEM file (a certificate chain or a key).
const MAX_PEM: u64 = 1 << 20;

/// A PEM file's bytes: a regular file of at most [`MAX_PEM`] bytes.
fn read_pem(path: &Path) -> Result<Vec<u8>, CommError> {
    use std::io::Read;
    let f = fs::File::open(path).map_err(|e| id_err(path, e))?;
    if !f.metadata().map_err(|e| id_err(path, e))?.is_file() {
        return Err(id_err(path, "not a regular file"));
    }
    let mut data = Vec::new();
    f.take(MAX_PEM + 1)
        .read_to_end(&mut data)
        .map_err(|e| id_err(path, e))?;
    if data.len() as u64 > MAX_PEM {
        return Err(id_err(path, format!("larger than {MAX_PEM} bytes")));
    }
    Ok(data)
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, CommError> {
    let data = read_pem(path)?;
    let certs = CertificateDer::pem_slice_iter(&data)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| id_err(path, format!("not a PEM certificate file: {e}")))?;
    if certs.is_empty() {
        return Err(id_err(path, "no certificate in the file"));
    }
    Ok(certs)
}

impl Identity {
    /// Loads `dir/ca.pem`, `dir/node.pem` and `dir/node.key`.
    pub fn load(dir: &Path) -> Result<Identity, CommError> {
        let ca_path = dir.join("ca.pem");
        let node_path = dir.join("node.pem");
        let key_path = dir.join("node.key");

        let ca = read_certs(&ca_path)?;
        let mut roots = RootCertStore::empty();
        for cert in ca {
            roots
                .add(cert)
                .map_err(|e| id_err(&ca_path, format!("unusable CA certificate: {e}")))?;
        }
        let roots = Arc::new(roots);

        let chain = read_certs(&node_path)?;
        let name = certificate_name(&chain[0])
            .ok_or_else(|| id_err(&node_path, "the certificate names no server"))?;

        let key_data = read_pem(&key_path)?;
        let key = PrivateKeyDer::from_pem_slice(&key_data)
            .map_err(|e| id_err(&key_path, format!("no usable PEM private key: {e}")))?;

        let mut client = ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| id_err(dir, e))?
            .with_root_certificates(roots.clone())
            .with_client_auth_cert(chain.clone(), key.clone_key())
            .map_err(|e| id_err(&key_path, format!("does not fit node.pem: {e}")))?;
        client.alpn_protocols = vec![b"http/1.1".to_vec()];

        let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider())
            .build()
            .map_err(|e| id_err(&ca_path, e))?;
        let mut server = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| id_err(dir, e))?
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)
            .map_err(|e| id_err(&key_path, format!("does not fit node.pem: {e}")))?;
        server.alpn_protocols = vec![b"http/1.1".to_vec()];

        Ok(Identity {
            name,
            dir: dir.to_path_buf(),
            client: Arc::new(client),
            server: Arc::new(server),
        })
    }

    /// The server name the certificate was issued for.
    pub fn name(&self) -> String {
        self.name.clone()
    }

    /// The directory the identity was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub(crate) fn client_config(&self) -> Arc<ClientConfig> {
        self.client.clone()
    }

    pub(crate) fn server_config(&self) -> Arc<ServerConfig> {
        self.server.clone()
    }
}

/// Checks that `name` can be a server name: non-empty, at most 63 characters
/// of ASCII letters, digits, `-` and `_`, and acceptable to rustls as a DNS
/// name (which is how clients will ask for it).
pub fn check_server_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 63 {
        return Err(format!("server name {name:?} must be 1 to 63 characters"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(format!(
            "server name {name:?} may contain only letters, digits, '-' and '_'"
        ));
    }
    ServerName::try_from(name)
        .map(|_| ())
        .map_err(|e| format!("server name {name:?} is not usable in TLS: {e}"))
}

/// The CA's parameters; `issue` rebuilds them from the CA's name to sign with
/// the CA key (rcgen needs a `Certificate` as issuer, and only its subject
/// and key matter for the signature).
fn ca_params(common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

/// Writes a file readable by its owner only (for private keys).
fn write_private(path: &Path, data: &[u8], create_new: bool) -> Result<(), CommError> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).mode(0o600);
    if create_new {
        opts.create_new(true);
    } else {
        opts.create(true).truncate(true);
    }
    let mut file = opts.open(path).map_err(|e| id_err(path, e))?;
    // `mode` applies only to new files: tighten an existing one too.
    file.set_permissions(fs::Permissions::from_mode(0o600))
        .map_err(|e| id_err(path, e))?;
    file.write_all(data).map_err(|e| id_err(path, e))?;
    file.sync_all().map_err(|e| id_err(path, e))
}

fn write_public(path: &Path, data: &[u8]) -> Result<(), CommError> {
    fs::write(path, data).map_err(|e| id_err(path, e))
}

/// Creates a site CA in `dir` (`ca.pem`, and `ca.key` readable by its owner only).
pub fn create_ca(dir: &Path, common_name: &str) -> Result<(), CommError> {
    let key_path = dir.join("ca.key");
    if common_name.trim().is_empty() {
        return Err(id_err(dir, "the CA needs a non-empty name"));
    }
    // Replacing a CA would silently orphan every certificate it issued.
    if key_path.exists() {
        return Err(id_err(
            &key_path,
            "a CA key already exists; refusing to replace it",
        ));
    }
    fs::create_dir_all(dir).map_err(|e| id_err(dir, e))?;
    let key = KeyPair::generate().map_err(|e| id_err(&key_path, e))?;
    let cert = ca_params(common_name)
        .self_signed(&key)
        .map_err(|e| id_err(dir, e))?;
    write_private(&key_path, key.serialize_pem().as_bytes(), true)?;
    write_public(&dir.join("ca.pem"), cert.pem().as_bytes())
}

/// Issues a certificate for `server_name` signed by the CA in `ca_dir`, and
/// writes `ca.pem`, `node.pem` and `node.key` (owner-only) into `out_dir`.
pub fn issue(ca_dir: &Path, server_name: &str, out_dir: &Path) -> Result<(), CommError> {
    check_server_name(server_name).map_err(|e| id_err(out_dir, e))?;
    let ca_pem_path = ca_dir.join("ca.pem");
    let ca_key_path = ca_dir.join("ca.key");
    let ca_pem = read_pem(&ca_pem_path)?;
    let ca_cert = CertificateDer::from_pem_slice(&ca_pem)
        .map_err(|e| id_err(&ca_pem_path, format!("not a PEM certificate file: {e}")))?;
    let ca_name = subject_common_name(&ca_cert)
        .ok_or_else(|| id_err(&ca_pem_path, "the CA certificate has no common name"))?;
    let ca_key_pem = String::from_utf8(read_pem(&ca_key_path)?)
        .map_err(|_| id_err(&ca_key_path, "not a PEM key file"))?;
    let ca_key = KeyPair::from_pem(&ca_key_pem)
        .map_err(|e| id_err(&ca_key_path, format!("no usable PEM private key: {e}")))?;
    if ca_key.public_key_der() != spki(&ca_cert).unwrap_or_default() {
        return Err(id_err(&ca_key_path, "the key does not belong to ca.pem"));
    }
    let issuer = ca_params(&ca_name)
        .self_signed(&ca_key)
        .map_err(|e| id_err(&ca_key_path, e))?;

    let node_key_path = out_dir.join("node.key");
    let key = KeyPair::generate().map_err(|e| id_err(&node_key_path, e))?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, server_name);
    params.distinguished_name = dn;
    let dns = server_name
        .to_string()
        .try_into()
        .map_err(|e| id_err(out_dir, format!("server name {server_name:?}: {e}")))?;
    params.subject_alt_names = vec![SanType::DnsName(dns)];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    // One certificate serves both ends: the daemon's and the client's.
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params.use_authority_key_identifier_extension = true;
    let cert = params
        .signed_by(&key, &issuer, &ca_key)
        .map_err(|e| id_err(&ca_key_path, e))?;

    fs::create_dir_all(out_dir).map_err(|e| id_err(out_dir, e))?;
    write_public(&out_dir.join("ca.pem"), &ca_pem)?;
    write_private(&node_key_path, key.serialize_pem().as_bytes(), false)?;
    write_public(&out_dir.join("node.pem"), cert.pem().as_bytes())
}

/// The server name a certificate (DER) was issued for: its subject CN, or
/// failing that its first DNS subject alternative name. The daemon uses it to
/// tell the handler which server is asking.
pub fn certificate_name(cert_der: &[u8]) -> Option<String> {
    subject_common_name(cert_der)
        .filter(|cn| !cn.is_empty())
        .or_else(|| dns_names(cert_der).into_iter().next())
}

// A minimal DER reader, just enough to find a certificate's subject CN, its
// public key and its DNS names; rcgen can only parse with an extra crate tree.

/// Splits the first TLV off `input`: (tag, contents, rest).
fn der_next(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&len0, mut rest) = rest.split_first()?;
    let len = if len0 < 0x80 {
        usize::from(len0)
    } else {
        let n = usize::from(len0 & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// All TLVs in `input`, or None if it is not well formed.
fn der_items(mut input: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    let mut items = Vec::new();
    while !input.is_empty() {
        let (tag, content, rest) = der_next(input)?;
        items.push((tag, content));
        input = rest;
    }
    Some(items)
}

const SEQUENCE: u8 = 0x30;

/// The fields of tbsCertificate after the optional version: serial,
/// signature, issuer, validity, subject, subjectPublicKeyInfo, then options.
fn tbs_fields(cert_der: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    let (tag, cert, _) = der_next(cert_der)?;
    if tag != SEQUENCE {
        return None;
    }
    let (tag, tbs, _) = der_next(cert)?;
    if tag != SEQUENCE {
        return None;
    }
    let mut fields = der_items(tbs)?;
    if fields.first().map(|f| f.0) == Some(0xa0) {
        fields.remove(0);
    }
    (fields.len() >= 6).then_some(fields)
}

/// The complete subjectPublicKeyInfo TLV.
fn spki(cert_der: &[u8]) -> Option<Vec<u8>> {
    let (tag, content) = *tbs_fields(cert_der)?.get(5)?;
    // Re-encode the header: contents alone are not comparable with rcgen's.
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    Some(out)
}

fn subject_common_name(cert_der: &[u8]) -> Option<String> {
    const CN: &[u8] = &[0x55, 0x04, 0x03];
    let subject = tbs_fields(cert_der)?.get(4)?.1;
    for (set_tag, rdn) in der_items(subject)? {
        if set_tag != 0x31 {
            continue;
        }
        for (seq_tag, atv) in der_items(rdn)? {
            let parts = der_items(atv)?;
            if seq_tag == SEQUENCE && parts.len() == 2 && parts[0] == (0x06, CN) {
                return match parts[1] {
                    // UTF8String, PrintableString, IA5String, T61String.
                    (0x0c | 0x13 | 0x16 | 0x14, v) => String::from_utf8(v.to_vec()).ok(),
                    _ => None,
                };
            }
        }
    }
    None
}

fn dns_names(cert_der: &[u8]) -> Vec<String> {
    const SAN: &[u8] = &[0x55, 0x1d, 0x11];
    let find = || -> Option<Vec<String>> {
        let fields = tbs_fields(cert_der)?;
        let exts = fields.iter().find(|f| f.0 == 0xa3)?.1;
        let (_, exts, _) = der_next(exts)?;
        for (_, ext) in der_items(exts)? {
            let parts = der_items(ext)?;
            if parts.first() != Some(&(0x06, SAN)) {
                continue;
            }
            let value = parts.last()?.1;
            let (_, names, _) = der_next(value)?;
            return Some(
                der_items(names)?
                    .into_iter()
                    .filter(|(tag, _)| *tag == 0x82)
                    .filter_map(|(_, v)| String::from_utf8(v.to_vec()).ok())
                    .collect(),
            );
        }
        None
    };
    find().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_issued_certificates() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = dir.path().join("ca");
        create_ca(&ca, "Test CA").expect("create_ca");
        for name in ["SV1", "acm01", "job-2", "srv_3"] {
            let out = dir.path().join(name);
            issue(&ca, name, &out).expect("issue");
            let id = Identity::load(&out).expect("load");
            assert_eq!(id.name(), name);
            let pem = fs::read(out.join("node.pem")).expect("read");
            let der = CertificateDer::from_pem_slice(&pem).expect("pem");
            assert_eq!(dns_names(&der), vec![name.to_string()]);
            let mode = fs::metadata(out.join("node.key"))
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let mode = fs::metadata(ca.join("ca.key"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn create_ca_refuses_to_overwrite() {
        let dir = tempfile::tempdir().expect("tempdir");
        create_ca(dir.path(), "CA").expect("first");
        let err = create_ca(dir.path(), "CA").expect_err("second");
        assert!(matches!(err, CommError::Identity { ref path, .. } if path.ends_with("ca.key")));
    }

    #[test]
    fn bad_server_names_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        create_ca(dir.path(), "CA").expect("ca");
        for name in ["", "a.b", "a b", "x/y", "é"] {
            let err = issue(dir.path(), name, &dir.path().join("out")).expect_err(name);
            assert!(matches!(err, CommError::Identity { .. }));
        }
    }

    #[test]
    fn garbled_key_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = dir.path().join("ca");
        create_ca(&ca, "CA").expect("ca");
        let out = dir.path().join("n");
        issue(&ca, "SV1", &out).expect("issue");
        fs::write(out.join("node.key"), "garbage").expect("write");
        let err = Identity::load(&out).expect_err("garbled");
        assert!(matches!(err, CommError::Identity { ref path, .. } if path.ends_with("node.key")));
    }

    #[test]
    fn der_reader_rejects_truncation() {
        assert_eq!(certificate_name(&[0x30, 0x82, 0x01]), None);
        assert_eq!(certificate_name(&[]), None);
    }
}
