//! What both HTTPS servers (`webhook serve`, `audit serve`) take: the
//! serving certificate, the listening address, and their logging.

use anyhow::{Result, anyhow};
use clap::Args;
use kubeguard_webhook::tls::{CertificateFiles, ReloadingCert, SelfSigned};
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The certificate and socket options of a server.
#[derive(Debug, Args)]
pub struct ServingArgs {
    /// The serving certificate chain, PEM; reloaded when the file changes.
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_key",
        required_unless_present = "self_signed",
        conflicts_with = "self_signed"
    )]
    pub tls_cert: Option<PathBuf>,

    /// The serving certificate's private key, PEM; reloaded when the file changes.
    #[arg(
        long,
        value_name = "FILE",
        requires = "tls_cert",
        required_unless_present = "self_signed",
        conflicts_with = "self_signed"
    )]
    pub tls_key: Option<PathBuf>,

    /// Serve a generated certificate for DNS_NAME (development only); its CA bundle
    /// (base64 PEM) is the first line of standard output.
    #[arg(long, value_name = "DNS_NAME", value_parser = parse_dns_name)]
    pub self_signed: Option<String>,

    /// The address and port to listen on.
    #[arg(long, value_name = "ADDR:PORT", default_value = "0.0.0.0:8443")]
    pub listen: SocketAddr,

    /// How often the certificate files are checked for changes, e.g. 10s, 500ms.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::cli::parse_duration)]
    pub reload_interval: Duration,
}

impl ServingArgs {
    /// The serving certificate; with `--self-signed`, also the CA bundle
    /// (base64 PEM) that clients must trust.
    pub fn certificate(&self) -> Result<(ReloadingCert, Option<String>)> {
        match (&self.self_signed, &self.tls_cert, &self.tls_key) {
            (Some(name), _, _) => {
                let pair = SelfSigned::generate(name)?;
                Ok((
                    ReloadingCert::fixed(pair.certified_key()),
                    Some(pair.ca_bundle()),
                ))
            }
            (None, Some(cert), Some(key)) => Ok((
                ReloadingCert::from_files(CertificateFiles {
                    cert: cert.clone(),
                    key: key.clone(),
                })?,
                None,
            )),
            _ => Err(anyhow!(
                "--tls-cert and --tls-key are required (or --self-signed DNS_NAME for development)"
            )),
        }
    }
}

/// Logs to standard error at the level `KUBEGUARD_LOG` names (default info).
pub(crate) fn init_logging() {
    let level = std::env::var("KUBEGUARD_LOG")
        .ok()
        .and_then(|v| v.parse::<tracing_subscriber::filter::LevelFilter>().ok())
        .unwrap_or(tracing_subscriber::filter::LevelFilter::INFO);
    // Fails only when a subscriber is already set, which is then kept.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_max_level(level)
        .with_target(false)
        .try_init();
}

/// A DNS name for `--self-signed`, lowercased.
pub(crate) fn parse_dns_name(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if ok {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(format!(
            "{s:?} is not a DNS name (e.g. kubeguard-webhook.kubeguard.svc)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        assert_eq!(
            parse_dns_name("Webhook.kubeguard.svc"),
            Ok("webhook.kubeguard.svc".into())
        );
        assert!(parse_dns_name("localhost").is_ok());
        assert!(parse_dns_name("").is_err());
        assert!(parse_dns_name("bad name").is_err());
        assert!(parse_dns_name("-x.example").is_err());
        assert!(parse_dns_name("a..b").is_err());
    }
}
