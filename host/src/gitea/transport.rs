//! Which API URLs a token may be sent to. Over plain `http://` the token (and every answer the
//! gate trusts) crosses the network unprotected, so it is allowed only to loopback — tests, a
//! Gitea on the runner's own host — or when the user says the path is trusted (`--allow-http`).

use std::net::IpAddr;
use std::sync::Arc;

use ureq::http::Uri;
use ureq::tls::{Certificate, PemItem, RootCerts, parse_pem};

/// Which certificate authorities an `https://` Gitea may present a chain to: the platform's trust
/// store (where an internal CA is usually installed), or exactly the PEM bundle `SSL_CERT_FILE`
/// names — the variable OpenSSL, curl and git honour for the same purpose.
pub fn root_certs() -> Result<RootCerts, String> {
    let Some(path) = crate::env::get(crate::env::SSL_CERT_FILE) else { return Ok(RootCerts::PlatformVerifier) };
    let pem = std::fs::read(&path).map_err(|e| format!("SSL_CERT_FILE={path}: cannot read it: {e}"))?;
    let mut certs: Vec<Certificate<'static>> = Vec::new();
    for item in parse_pem(&pem) {
        match item {
            Ok(PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => return Err(format!("SSL_CERT_FILE={path}: not a PEM certificate bundle: {e}")),
        }
    }
    if certs.is_empty() {
        return Err(format!("SSL_CERT_FILE={path} holds no PEM certificates"));
    }
    Ok(RootCerts::Specific(Arc::new(certs)))
}

pub fn check_api_url(url: &str, allow_http: bool) -> Result<(), String> {
    let uri: Uri = url.parse().map_err(|e| format!("the API URL {url:?} is not a URL: {e}"))?;
    let host = uri.host().filter(|h| !h.is_empty()).ok_or_else(|| format!("the API URL {url:?} has no host"))?;
    // Credentials in the URL would be printed with every error message that names the URL.
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err("the API URL must not carry credentials (user:password@…); name the token's variable with \
                    --token-env instead"
            .to_owned());
    }
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") if allow_http || is_loopback(host) => Ok(()),
        Some("http") => Err(format!(
            "the API URL {url} is plain http:// to {host}: the token and the answers the gate decides on would \
             cross the network unprotected; use https://, or pass --allow-http (action input allow-http: true) \
             if that network path is trusted"
        )),
        _ => Err(format!("the API URL {url:?} must start with https:// (or http:// for loopback)")),
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_only_for_loopback_unless_allowed() {
        for ok in [
            "https://gitea.example.com/api/v1",
            "http://127.0.0.1:3000/api/v1",
            "http://localhost/api/v1",
            "http://[::1]:8080/api/v1",
            "http://127.8.9.1/api/v1",
        ] {
            assert_eq!(check_api_url(ok, false), Ok(()), "{ok}");
        }
        for bad in
            ["http://gitea.example.com/api/v1", "http://10.0.0.5:3000/api/v1", "http://127.0.0.1.evil.example/api/v1"]
        {
            let err = check_api_url(bad, false).expect_err(bad);
            assert!(err.contains("--allow-http"), "{err}");
            assert_eq!(check_api_url(bad, true), Ok(()), "{bad} with --allow-http");
        }
        let err = check_api_url("https://bot:s3cret@gitea.example.com/api/v1", true).expect_err("credentials");
        assert!(!err.contains("s3cret") && err.contains("--token-env"), "{err}");
        for nonsense in ["ftp://gitea/api/v1", "gitea.example.com/api/v1", "not a url", "https://"] {
            assert!(check_api_url(nonsense, true).is_err(), "{nonsense}");
        }
    }
}
