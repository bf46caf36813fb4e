//! TLS for the webhook: the serving certificate, reloaded when its files
//! change, and a self-signed CA plus serving certificate for development.
//!
//! The server's rustls configuration holds a [`ReloadingCert`] as its
//! certificate resolver. Every new handshake asks it for the current
//! certified key, which lives behind an [`ArcSwap`]: replacing it is one
//! atomic pointer swap, so connections that are already open keep the key
//! they were established with and nothing is dropped. [`watch_files`] polls
//! the files' modification time and size (polling rather than inotify,
//! because Kubernetes updates Secret volumes by swapping a `..data`
//! symlink, which file watches easily miss); a certificate or key that does
//! not load is reported and the previous one stays in service.

use arc_swap::ArcSwap;
use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// A certificate or key that could not be loaded or generated.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read or holds no usable PEM block.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The key does not belong to the certificate, or is of an unsupported type.
    #[error("{cert} and {key}: {message}")]
    Mismatch {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// What rustls reported.
        message: String,
    },
    /// The development certificate could not be generated.
    #[error("generating the self-signed certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// The generated certificate was rejected by rustls.
    #[error("the generated certificate is unusable: {0}")]
    Generated(rustls::Error),
    /// The rustls server configuration could not be built.
    #[error("TLS configuration: {0}")]
    Config(rustls::Error),
}

/// The paths of a PEM certificate chain and its private key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFiles {
    /// The certificate chain, leaf first (e.g. `tls.crt`).
    pub cert: PathBuf,
    /// The private key (e.g. `tls.key`): PKCS#8, PKCS#1 or SEC1.
    pub key: PathBuf,
}

impl CertificateFiles {
    /// Reads and checks the pair: the key must match the leaf certificate.
    pub fn load(&self) -> Result<Arc<CertifiedKey>, TlsError> {
        let chain = read_chain(&self.cert)?;
        let key = PrivateKeyDer::from_pem_file(&self.key).map_err(|e| TlsError::File {
            path: self.key.clone(),
            message: format!("no usable private key: {e}"),
        })?;
        certified_key(chain, &key).map_err(|e| TlsError::Mismatch {
            cert: self.cert.clone(),
            key: self.key.clone(),
            message: e.to_string(),
        })
    }

    /// Modification time and length of both files, following symlinks;
    /// `None` while either file is missing (mid-rotation).
    fn stamp(&self) -> Option<Stamp> {
        let one = |p: &Path| {
            let meta = std::fs::metadata(p).ok()?;
            Some((meta.modified().ok()?, meta.len()))
        };
        Some(Stamp {
            cert: one(&self.cert)?,
            key: one(&self.key)?,
        })
    }
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let file_error = |message: String| TlsError::File {
        path: path.to_path_buf(),
        message,
    };
    let chain = CertificateDer::pem_file_iter(path)
        .map_err(|e| file_error(format!("cannot read certificates: {e}")))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_error(format!("bad PEM certificate: {e}")))?;
    if chain.is_empty() {
        return Err(file_error("no CERTIFICATE block found".into()));
    }
    Ok(chain)
}

fn certified_key(
    chain: Vec<CertificateDer<'static>>,
    key: &PrivateKeyDer<'_>,
) -> Result<Arc<CertifiedKey>, rustls::Error> {
    let signing_key = provider().key_provider.load_private_key(key.clone_key())?;
    let certified = CertifiedKey::new(chain, signing_key);
    certified.keys_match()?;
    Ok(Arc::new(certified))
}

/// The crypto provider used for serving (ring: small and quick to build).
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    cert: (SystemTime, u64),
    key: (SystemTime, u64),
}

/// The serving certificate, swapped in place when its files change.
#[derive(Debug)]
pub struct ReloadingCert {
    current: ArcSwap<CertifiedKey>,
    files: Option<CertificateFiles>,
    /// The file stamp last looked at (loaded or rejected).
    seen: Mutex<Option<Stamp>>,
}

/// What a reload check did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reload {
    /// The files did not change (or there are no files).
    Unchanged,
    /// A new certificate is in service.
    Reloaded,
}

impl ReloadingCert {
    /// Loads the pair from its files; the files are checked again by [`ReloadingCert::reload_if_changed`].
    pub fn from_files(files: CertificateFiles) -> Result<Self, TlsError> {
        let stamp = files.stamp();
        let key = files.load()?;
        Ok(Self {
            current: ArcSwap::new(key),
            files: Some(files),
            seen: Mutex::new(stamp),
        })
    }

    /// A certificate held in memory only (the self-signed development mode).
    pub fn fixed(key: Arc<CertifiedKey>) -> Self {
        Self {
            current: ArcSwap::new(key),
            files: None,
            seen: Mutex::new(None),
        }
    }

    /// The certificate now in service.
    pub fn current(&self) -> Arc<CertifiedKey> {
        self.current.load_full()
    }

    /// Reloads the pair when the files' modification time or size changed.
    /// On error the previous certificate stays in service, and the same
    /// broken files are not reported again until they change once more.
    pub fn reload_if_changed(&self) -> Result<Reload, TlsError> {
        let Some(files) = &self.files else {
            return Ok(Reload::Unchanged);
        };
        let Some(stamp) = files.stamp() else {
            return Ok(Reload::Unchanged);
        };
        {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            if *seen == Some(stamp) {
                return Ok(Reload::Unchanged);
            }
            *seen = Some(stamp);
        }
        let key = files.load()?;
        self.current.store(key);
        Ok(Reload::Reloaded)
    }
}

impl ResolvesServerCert for ReloadingCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.load_full())
    }
}

/// The rustls server configuration: TLS 1.2 and 1.3, ALPN `h2` and
/// `http/1.1` (the API server speaks HTTP/2 to webhooks), no client auth.
pub fn server_config(cert: Arc<ReloadingCert>) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(TlsError::Config)?
        .with_no_client_auth()
        .with_cert_resolver(cert);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Polls the certificate files every `every`, swaps in a changed pair,
/// logs the outcome of each reload attempt and passes it to `observe`
/// (`true` for a reload, `false` for a refused pair); runs until the task
/// is dropped or aborted.
pub async fn watch_files(cert: Arc<ReloadingCert>, every: Duration, observe: impl Fn(bool)) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match cert.reload_if_changed() {
            Ok(Reload::Reloaded) => {
                tracing::info!("serving certificate reloaded");
                observe(true);
            }
            Ok(Reload::Unchanged) => {}
            Err(e) => {
                tracing::error!("keeping the current serving certificate: {e}");
                observe(false);
            }
        }
    }
}

/// A development CA and a serving certificate it signed.
pub struct SelfSigned {
    /// The CA certificate, PEM.
    pub ca_pem: String,
    /// The serving certificate, PEM.
    pub cert_pem: String,
    /// The serving certificate's private key, PEM (PKCS#8).
    pub key_pem: String,
    key: Arc<CertifiedKey>,
}

impl std::fmt::Debug for SelfSigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private key is left out on purpose.
        f.debug_struct("SelfSigned")
            .field("ca_pem", &self.ca_pem)
            .field("cert_pem", &self.cert_pem)
            .finish_non_exhaustive()
    }
}

impl SelfSigned {
    /// Generates a CA and a serving certificate for `dns_name` (also valid
    /// for `localhost` and 127.0.0.1).
    pub fn generate(dns_name: &str) -> Result<Self, TlsError> {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
            ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose,
        };
        let mut ca_params = CertificateParams::default();
        let mut ca_name = DistinguishedName::new();
        ca_name.push(DnType::CommonName, "kubeguard webhook development CA");
        ca_params.distinguished_name = ca_name;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate()?)?;

        let mut names = vec![dns_name.to_string()];
        for extra in ["localhost", "127.0.0.1"] {
            if !names.iter().any(|n| n == extra) {
                names.push(extra.to_string());
            }
        }
        let mut params = CertificateParams::new(names)?;
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, dns_name);
        params.distinguished_name = name;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key_pair = KeyPair::generate()?;
        let cert = params.signed_by(&key_pair, &ca)?;

        let key_der = PrivateKeyDer::Pkcs8(key_pair.serialize_der().into());
        let key = certified_key(vec![cert.der().clone()], &key_der).map_err(TlsError::Generated)?;
        Ok(Self {
            ca_pem: ca.pem(),
            cert_pem: cert.pem(),
            key_pem: key_pair.serialize_pem(),
            key,
        })
    }

    /// The CA bundle as a `caBundle` field wants it: base64 of the PEM.
    pub fn ca_bundle(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(self.ca_pem.as_bytes())
    }

    /// The serving certificate and key, for [`ReloadingCert::fixed`].
    pub fn certified_key(&self) -> Arc<CertifiedKey> {
        Arc::clone(&self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_pair(dir: &Path, pair: &SelfSigned) -> CertificateFiles {
        let files = CertificateFiles {
            cert: dir.join("tls.crt"),
            key: dir.join("tls.key"),
        };
        std::fs::write(&files.cert, &pair.cert_pem).expect("write cert");
        std::fs::write(&files.key, &pair.key_pem).expect("write key");
        files
    }

    /// Moves a file's mtime forward so a rewrite within the same clock tick is seen.
    fn touch_later(path: &Path, secs: u64) {
        let file = std::fs::File::options()
            .write(true)
            .open(path)
            .expect("open");
        file.set_modified(SystemTime::now() + Duration::from_secs(secs))
            .expect("set mtime");
    }

    #[test]
    fn loads_and_reloads_changed_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = SelfSigned::generate("a.example").expect("generate");
        let files = write_pair(dir.path(), &first);
        let cert = ReloadingCert::from_files(files.clone()).expect("load");
        assert_eq!(cert.current().cert[0].as_ref(), first.key.cert[0].as_ref());
        assert_eq!(cert.reload_if_changed().expect("check"), Reload::Unchanged);

        let second = SelfSigned::generate("b.example").expect("generate");
        write_pair(dir.path(), &second);
        touch_later(&files.cert, 5);
        assert_eq!(cert.reload_if_changed().expect("reload"), Reload::Reloaded);
        assert_eq!(cert.current().cert[0].as_ref(), second.key.cert[0].as_ref());
    }

    #[test]
    fn keeps_the_old_certificate_when_the_new_one_is_bad() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = SelfSigned::generate("a.example").expect("generate");
        let files = write_pair(dir.path(), &first);
        let cert = ReloadingCert::from_files(files.clone()).expect("load");

        std::fs::write(&files.cert, "not a certificate").expect("write");
        touch_later(&files.cert, 5);
        let err = cert.reload_if_changed().expect_err("bad cert is refused");
        assert!(err.to_string().contains("tls.crt"), "{err}");
        assert_eq!(cert.current().cert[0].as_ref(), first.key.cert[0].as_ref());
        // Reported once; the same broken files are not retried.
        assert_eq!(cert.reload_if_changed().expect("check"), Reload::Unchanged);
    }

    #[test]
    fn refuses_a_key_that_does_not_match() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = SelfSigned::generate("a.example").expect("generate");
        let b = SelfSigned::generate("b.example").expect("generate");
        let files = write_pair(dir.path(), &a);
        std::fs::write(&files.key, &b.key_pem).expect("write");
        let err = files.load().expect_err("mismatch");
        assert!(matches!(err, TlsError::Mismatch { .. }), "{err}");
    }

    #[test]
    fn missing_files_are_named() {
        let files = CertificateFiles {
            cert: PathBuf::from("/nonexistent/tls.crt"),
            key: PathBuf::from("/nonexistent/tls.key"),
        };
        let err = ReloadingCert::from_files(files).expect_err("missing");
        assert!(err.to_string().contains("/nonexistent/tls.crt"), "{err}");
    }

    #[test]
    fn ca_bundle_is_base64_of_the_ca_pem() {
        use base64::Engine as _;
        let pair = SelfSigned::generate("webhook.kubeguard.svc").expect("generate");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(pair.ca_bundle())
            .expect("base64");
        assert_eq!(decoded, pair.ca_pem.as_bytes());
        assert!(pair.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(!format!("{pair:?}").contains("PRIVATE KEY"));
    }
}
