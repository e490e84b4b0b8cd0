//! https:// to a self-hosted Gitea behind an internal CA: a loopback TLS terminator (rustls, with
//! a certificate from a throwaway test CA) in front of the fake Gitea. With `SSL_CERT_FILE`
//! naming the CA the gates work; without it the certificate is refused and nothing passes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;
use crate::world;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::{fs, thread};

use common::{event, gitea_gate, run};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use world::*;

/// A test CA, and a server certificate for 127.0.0.1 and localhost signed by it.
fn certificates() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let params = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server = params.signed_by(&server_key, &issuer).unwrap();
    let _ = &ca;
    (ca.pem(), server.der().clone(), PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der())))
}

/// Accept TLS on a loopback port and relay each request to `backend` (one request per
/// connection: the answer is relayed until the backend closes).
fn tls_terminator(backend: String, cert: CertificateDer<'static>, key: PrivateKeyDer<'static>) -> u16 {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (config, backend) = (Arc::clone(&config), backend.clone());
            thread::spawn(move || {
                let Ok(connection) = rustls::ServerConnection::new(config) else { return };
                let mut tls = rustls::StreamOwned::new(connection, stream);
                // Read the request head (and a body, if declared) from the client.
                let mut request = Vec::new();
                let mut buf = [0u8; 8192];
                loop {
                    let Ok(n) = tls.read(&mut buf) else { return };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                            .unwrap_or(0usize);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                // One request per connection: ask the backend to close after answering.
                let text = String::from_utf8_lossy(&request).replacen("\r\n", "\r\nConnection: close\r\n", 1);
                let Ok(mut upstream) = TcpStream::connect(&backend) else { return };
                let _ = upstream.write_all(text.as_bytes());
                let mut response = Vec::new();
                let _ = upstream.read_to_end(&mut response);
                let _ = tls.write_all(&response);
                let _ = tls.flush();
                tls.conn.send_close_notify();
                let _ = tls.flush();
            });
        }
    });
    port
}

#[test]
fn an_internal_ca_via_ssl_cert_file() {
    let fake = World::acme().pull(Pull::new(1).review(Review::approved(1, "qa-carol"))).start();
    let backend = fake.api_url().trim_start_matches("http://").split('/').next().unwrap().to_owned();
    let (ca_pem, cert, key) = certificates();
    let port = tls_terminator(backend, cert, key);
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("ca.pem"), &ca_pem).unwrap();
    fs::write(dir.path().join("not-pem.txt"), "hello").unwrap();

    let gate = |ssl_cert_file: Option<&str>| {
        let mut command = gitea_gate();
        command
            .current_dir(dir.path())
            .args(["--retries", "0", "--timeout", "5", "--api-url", &format!("https://localhost:{port}/api/v1")])
            .args(["approvals", "--team", "acme/qa", "--pr", "1", "--token-env", "REVIEW_TOKEN"])
            .env("GITHUB_EVENT_NAME", "push")
            .env("GITHUB_EVENT_PATH", event("push"))
            .env("GITHUB_REPOSITORY", "acme/core")
            .env("REVIEW_TOKEN", TEAM_PAT);
        match ssl_cert_file {
            Some(file) => command.env("SSL_CERT_FILE", file),
            // The platform's trust store, which does not know the test CA.
            None => command.env_remove("SSL_CERT_FILE"),
        };
        run(command)
    };
    let r = gate(Some("ca.pem"));
    assert_eq!(r.code, 0, "trusted through SSL_CERT_FILE:\n{}\n{}", r.stdout, r.stderr);
    assert!(fake.requests().len() >= 4, "the gate really talked to Gitea through TLS");

    let r = gate(None);
    assert_eq!(r.code, 3, "an unknown CA is refused:\n{}", r.stdout);
    assert!(r.stdout.to_lowercase().contains("certificate"), "{}", r.stdout);

    for bad in ["missing.pem", "not-pem.txt"] {
        let r = gate(Some(bad));
        assert_eq!(r.code, 2, "{bad}:\n{}", r.stdout);
        assert!(r.stdout.contains("SSL_CERT_FILE") && r.stdout.contains(bad), "{}", r.stdout);
    }
}
