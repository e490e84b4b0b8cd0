//! Host-name resolution without the C library's NSS.
//!
//! The shipped binaries are static glibc. Their `getaddrinfo` would `dlopen` the runner's NSS
//! modules (`hosts: files mdns4_minimal … dns myhostname`), which is unsupported across glibc
//! versions and turns an unknown name into "Device or resource busy". So the gate resolves names
//! itself, the way NSS's `files` and `dns` sources do:
//!
//! 1. an IP literal is used as it is (no lookup at all), `localhost` is loopback (RFC 6761);
//! 2. the hosts file (`/etc/hosts`), first matching line wins;
//! 3. DNS, with the name servers, search domains and options of `/etc/resolv.conf`
//!    (hickory-resolver, plain UDP/TCP on port 53).
//!
//! Tests point 2 and 3 elsewhere with `GITEA_GATE_HOSTS_FILE`, `GITEA_GATE_RESOLV_CONF` and
//! `GITEA_GATE_DNS_PORT` (docs/architecture.md §11 says why that is safe).

use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// Longest a DNS lookup may take when the request itself has no deadline.
const DNS_LIMIT: Duration = Duration::from_secs(15);

/// A name that could not be resolved. Carried through ureq as `Error::Other` and turned into
/// `Failure::Resolve` (gitea/error.rs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolveError {
    pub host: String,
    pub detail: String,
    /// The name server may answer next time (timeout, unreachable), unlike "no such name".
    pub temporary: bool,
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot resolve {}: {}", self.host, self.detail)
    }
}

impl std::error::Error for ResolveError {}

/// The resolver the HTTP agent uses (client.rs). Successful answers are kept for the life of
/// the process: a gate run is short, and every new connection would otherwise ask again.
#[derive(Debug, Default)]
pub struct GateResolver {
    cache: Mutex<HashMap<String, Vec<IpAddr>>>,
}

impl Resolver for GateResolver {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let host = uri.host().filter(|h| !h.is_empty()).ok_or(ureq::Error::HostNotFound)?;
        let port = uri.port_u16().unwrap_or(if uri.scheme_str() == Some("http") { 80 } else { 443 });
        let limit = if timeout.after.is_not_happening() { DNS_LIMIT } else { (*timeout.after).min(DNS_LIMIT) };
        let ips = self.lookup(host, limit).map_err(|e| ureq::Error::Other(Box::new(e)))?;
        let mut result = self.empty();
        for addr in config.ip_family().keep_wanted(ips.into_iter().map(|ip| SocketAddr::new(ip, port))).take(16) {
            result.push(addr);
        }
        if result.is_empty() {
            return Err(ureq::Error::Other(Box::new(ResolveError {
                host: host.to_owned(),
                detail: "no address of the IP family the client may use".to_owned(),
                temporary: false,
            })));
        }
        Ok(result)
    }
}

impl GateResolver {
    fn lookup(&self, host: &str, limit: Duration) -> Result<Vec<IpAddr>, ResolveError> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let name = bare.trim_end_matches('.').to_ascii_lowercase();
        if name == "localhost" || name.ends_with(".localhost") {
            return Ok(vec![IpAddr::V4(Ipv4Addr::LOCALHOST), IpAddr::V6(Ipv6Addr::LOCALHOST)]);
        }
        if let Some(ips) = self.cache.lock().ok().and_then(|c| c.get(&name).cloned()) {
            return Ok(ips);
        }
        let ips = match from_hosts_file(&name)? {
            Some(ips) => ips,
            None => from_dns(host, &name, limit)?,
        };
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(name, ips.clone());
        }
        Ok(ips)
    }
}

fn hosts_path() -> String {
    crate::env::get(crate::env::HOSTS_FILE).unwrap_or_else(|| "/etc/hosts".to_owned())
}

/// The addresses the hosts file gives `name` (lower case, no trailing dot): every line that
/// names it, in file order, as glibc's `files` source does with `multi on`.
fn from_hosts_file(name: &str) -> Result<Option<Vec<IpAddr>>, ResolveError> {
    let path = hosts_path();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        // No hosts file (a minimal container) is not an error: DNS decides.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ResolveError {
                host: name.to_owned(),
                detail: format!("cannot read the hosts file {path}: {e}"),
                temporary: false,
            });
        }
    };
    Ok(parse_hosts(&text, name))
}

fn parse_hosts(text: &str, name: &str) -> Option<Vec<IpAddr>> {
    let mut found = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or_default();
        let mut fields = line.split_ascii_whitespace();
        let Some(ip) = fields.next().and_then(|ip| ip.split('%').next()?.parse::<IpAddr>().ok()) else { continue };
        if fields.any(|alias| alias.trim_end_matches('.').eq_ignore_ascii_case(name)) && !found.contains(&ip) {
            found.push(ip);
        }
    }
    (!found.is_empty()).then_some(found)
}

/// The resolver configuration: resolv.conf (or the test's), name servers on the test's port.
fn dns_config(host: &str) -> Result<(ResolverConfig, ResolverOpts), ResolveError> {
    static CONFIG: OnceLock<Result<(ResolverConfig, ResolverOpts), String>> = OnceLock::new();
    let loaded = CONFIG.get_or_init(|| {
        let path = crate::env::get(crate::env::RESOLV_CONF).unwrap_or_else(|| "/etc/resolv.conf".to_owned());
        let data = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
        let (config, mut opts) =
            hickory_resolver::system_conf::parse_resolv_conf(data).map_err(|e| format!("{path}: {e}"))?;
        if config.name_servers().is_empty() {
            return Err(format!("{path} names no name server"));
        }
        let port = match crate::env::get(crate::env::DNS_PORT) {
            Some(raw) => raw.parse::<u16>().map_err(|_| format!("{}={raw:?} is not a port", crate::env::DNS_PORT))?,
            None => 53,
        };
        let (domain, search, mut servers) = config.into_parts();
        for server in &mut servers {
            for connection in &mut server.connections {
                connection.port = port;
            }
        }
        // The hosts file was read above, by the gate itself (so tests can point elsewhere).
        opts.use_hosts_file = ResolveHosts::Never;
        Ok((ResolverConfig::from_parts(domain, search, servers), opts))
    });
    loaded.clone().map_err(|detail| ResolveError { host: host.to_owned(), detail, temporary: false })
}

fn from_dns(host: &str, name: &str, limit: Duration) -> Result<Vec<IpAddr>, ResolveError> {
    let (config, opts) = dns_config(host)?;
    let fail = |detail: String, temporary: bool| ResolveError { host: host.to_owned(), detail, temporary };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(format!("cannot start the DNS client: {e}"), false))?;
    runtime.block_on(async {
        let resolver = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default())
            .with_options(opts)
            .build()
            .map_err(|e| fail(format!("cannot start the DNS client: {e}"), false))?;
        match tokio::time::timeout(limit, resolver.lookup_ip(name)).await {
            Err(_) => Err(fail(format!("no DNS answer within {:.0}s", limit.as_secs_f64()), true)),
            Ok(Err(e)) if e.is_no_records_found() || e.is_nx_domain() => {
                Err(fail("no such host (not in the hosts file, and DNS has no address for it)".to_owned(), false))
            }
            Ok(Err(e)) => Err(fail(format!("DNS lookup failed: {e}"), true)),
            Ok(Ok(lookup)) => {
                let ips: Vec<IpAddr> = lookup.iter().collect();
                if ips.is_empty() { Err(fail("DNS has no address for it".to_owned(), false)) } else { Ok(ips) }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Cargo.lock pins `idna_adapter` to its ASCII-only stub (1.0.0; README, Performance): the
    /// API URL is ASCII anyway (`http::Uri` refuses anything else), and an internationalised host
    /// is written in its punycode form, which the DNS client must still take as a name.
    #[test]
    fn ascii_and_punycode_hosts_are_dns_names() {
        use hickory_resolver::proto::rr::IntoName;
        for host in ["gitea.example.com", "Gitea.Example.COM", "xn--bcher-kva.example", "localhost"] {
            assert!(host.into_name().is_ok(), "{host}");
        }
    }

    #[test]
    fn hosts_file_lines() {
        let text = "127.0.0.1 localhost\n# 10.0.0.1 gitea.test\n10.0.0.2\tGitea.Test. alias # comment\n\
                    ::1 gitea.test\nnot-an-ip gitea.test\n10.0.0.2 gitea.test\n";
        assert_eq!(
            parse_hosts(text, "gitea.test"),
            Some(vec![
                "10.0.0.2".parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
                IpAddr::V6(Ipv6Addr::LOCALHOST)
            ])
        );
        assert_eq!(parse_hosts(text, "alias").map(|v| v.len()), Some(1));
        assert_eq!(parse_hosts(text, "other.test"), None);
        assert_eq!(parse_hosts(text, "gitea"), None);
    }

    #[test]
    fn ip_literals_and_localhost_never_look_anything_up() {
        let resolver = GateResolver::default();
        for (host, want) in [("127.0.0.1", "127.0.0.1"), ("[::1]", "::1"), ("10.1.2.3", "10.1.2.3")] {
            let got = resolver.lookup(host, Duration::from_millis(1)).map(|v| v[0].to_string());
            assert_eq!(got.as_deref(), Ok(want), "{host}");
        }
        let local = resolver.lookup("LocalHost.", Duration::from_millis(1)).unwrap_or_default();
        assert!(local.iter().all(IpAddr::is_loopback) && !local.is_empty());
    }
}
