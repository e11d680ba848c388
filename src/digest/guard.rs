//! The SSRF guard. Image references come from untrusted pull requests, so a
//! reference must never make drydock talk to an arbitrary host: only
//! registries on an allowlist are contacted, and a host that resolves to a
//! loopback, private, link-local or cloud-metadata address is refused unless
//! the operator allowed that exact `host[:port]` explicitly.
//!
//! The address check runs in reqwest's DNS resolver ([`GuardedResolver`]), so
//! it judges the address the connection actually uses (no check-then-resolve
//! race), and [`Guard::check_url`] judges IP literals, which reqwest connects
//! to without asking the resolver. Both run again on every redirect and on the
//! token realm a registry names.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use super::ResolveError;

/// Registries resolved without any configuration. `*.` matches any subdomain.
pub const DEFAULT_ALLOWLIST: &[&str] = &[
    "docker.io",
    "ghcr.io",
    "quay.io",
    "gcr.io",
    "*.gcr.io",
    "*.pkg.dev",
    "registry.k8s.io",
    "public.ecr.aws",
    "mcr.microsoft.com",
    "cgr.dev",
];

/// Docker Hub's registry name and the host its API lives on.
const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// Where a registry's API is reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// `https`, or `http` for an explicitly allowed loopback registry.
    pub scheme: &'static str,
    /// Host and optional port, as used in URLs (`registry-1.docker.io`, `127.0.0.1:5000`).
    pub authority: String,
}

impl Endpoint {
    /// `scheme://authority`.
    pub fn base(&self) -> String {
        format!("{}://{}", self.scheme, self.authority)
    }
}

/// The allowlist and the explicit exceptions.
#[derive(Clone, Debug, Default)]
pub struct Guard {
    /// Host patterns: exact hosts (default port only) or `*.suffix`.
    patterns: Vec<String>,
    /// `host[:port]` the operator allowed explicitly; these may be loopback or
    /// private, and a loopback one is spoken to over plain HTTP.
    explicit: HashSet<String>,
}

impl Guard {
    /// The default allowlist plus `extra` patterns (from configuration); no
    /// explicit exceptions.
    pub fn new<I, S>(extra: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut patterns: Vec<String> = DEFAULT_ALLOWLIST.iter().map(|s| (*s).to_string()).collect();
        patterns.extend(extra.into_iter().map(|s| s.as_ref().trim().to_ascii_lowercase()).filter(|s| !s.is_empty()));
        Self { patterns, explicit: HashSet::new() }
    }

    /// Allows one more registry, `host[:port]`, including a loopback or
    /// private one (`--registry-allow`).
    pub fn allow_explicit(&mut self, host_port: &str) {
        let hp = host_port.trim().to_ascii_lowercase();
        if !hp.is_empty() {
            self.explicit.insert(hp);
        }
    }

    /// Whether `authority` (`host[:port]`) was allowed explicitly.
    pub fn is_explicit(&self, authority: &str) -> bool {
        self.explicit.contains(&authority.to_ascii_lowercase())
    }

    /// Hosts (without port) that were allowed explicitly; the resolver lets
    /// these resolve to any address.
    fn explicit_hosts(&self) -> HashSet<String> {
        self.explicit.iter().map(|hp| split_host_port(hp).0.to_string()).collect()
    }

    /// Decides whether `registry` (as normalised by the image reference
    /// parser: `docker.io`, `ghcr.io`, `localhost:5000`) may be contacted, and
    /// where.
    pub fn endpoint(&self, registry: &str) -> Result<Endpoint, ResolveError> {
        let registry = registry.to_ascii_lowercase();
        if registry == "docker.io" || registry == "index.docker.io" || registry == DOCKER_HUB_API {
            let allowed = self.explicit.contains("docker.io") || self.pattern_allows("docker.io", None);
            if !allowed {
                return Err(refused(&registry, "it is not on the registry allowlist"));
            }
            return Ok(Endpoint { scheme: "https", authority: DOCKER_HUB_API.to_string() });
        }
        let (host, port) = split_host_port(&registry);
        if self.explicit.contains(&registry) {
            let loopback = is_loopback_host(host);
            return Ok(Endpoint { scheme: if loopback { "http" } else { "https" }, authority: registry });
        }
        if !self.pattern_allows(host, port) {
            return Err(refused(&registry, "it is not on the registry allowlist"));
        }
        if let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>()
            && !is_public(ip)
        {
            return Err(refused(&registry, &format!("{ip} is a {} address", classify(ip))));
        }
        Ok(Endpoint { scheme: "https", authority: registry })
    }

    fn pattern_allows(&self, host: &str, port: Option<&str>) -> bool {
        if port.is_some_and(|p| p != "443") {
            return false;
        }
        self.patterns.iter().any(|p| match p.strip_prefix("*.") {
            Some(suffix) => {
                host.len() > suffix.len() + 1 && host.ends_with(suffix) && {
                    let cut = host.len() - suffix.len() - 1;
                    host.as_bytes().get(cut) == Some(&b'.')
                }
            }
            None => p == host,
        })
    }

    /// Checks a URL drydock is about to fetch (a registry URL, a redirect
    /// target or a token realm): HTTPS unless its host was allowed explicitly
    /// and is loopback, and no non-public IP literal unless explicit.
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), ResolveError> {
        let Some(host) = url.host_str() else {
            return Err(refused(url.as_str(), "the URL has no host"));
        };
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        let explicit = self.is_explicit(&authority) || self.explicit_hosts().contains(&host.to_ascii_lowercase());
        match url.scheme() {
            "https" => {}
            "http" if explicit && is_loopback_host(host) => {}
            other => {
                return Err(refused(
                    &authority,
                    &format!("`{other}` URLs are not followed; registries must use HTTPS"),
                ));
            }
        }
        if !explicit
            && let Ok(ip) = host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>()
            && !is_public(ip)
        {
            return Err(refused(&authority, &format!("{ip} is a {} address", classify(ip))));
        }
        Ok(())
    }

    /// The DNS resolver for reqwest that enforces the address rules.
    pub fn resolver(&self) -> Arc<GuardedResolver> {
        Arc::new(GuardedResolver { explicit_hosts: self.explicit_hosts() })
    }
}

fn refused(what: &str, why: &str) -> ResolveError {
    ResolveError::Refused {
        registry: what.to_string(),
        reason: format!(
            "{why}; to allow it, pass `--registry-allow {what}` (or set DRYDOCK_REGISTRY_ALLOW) if you trust it"
        ),
    }
}

/// `host[:port]` → (host, port). IPv6 literals keep their brackets.
pub fn split_host_port(s: &str) -> (&str, Option<&str>) {
    if s.starts_with('[') {
        return match s.find(']') {
            Some(i) => {
                let (h, rest) = s.split_at(i + 1);
                (h, rest.strip_prefix(':'))
            }
            None => (s, None),
        };
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, Some(p)),
        _ => (s, None),
    }
}

fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether `ip` is a globally routable unicast address: not loopback,
/// private, link-local (this covers the 169.254.169.254 metadata service),
/// carrier-grade NAT, unique-local, multicast, unspecified or reserved.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let seg = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local, incl. fd00:ec2::254 (AWS metadata)
                || (seg[0] & 0xffc0) == 0xfe80 // link-local
                || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
                || (seg[0] == 0x0064 && seg[1] == 0xff9b) // NAT64 could reach private v4
                || (seg[0] == 0 && seg[1] == 0 && seg[2] == 0 && seg[3] == 0 && seg[4] == 0 && seg[5] == 0)) // v4-compatible
        }
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    !(v4.is_loopback()
        || v4.is_private()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT, incl. 100.100.100.200 (Alibaba metadata)
        || (a == 192 && b == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240)
}

/// A short name for the kind of a non-public address, for messages.
pub fn classify(ip: IpAddr) -> &'static str {
    let v4 = match ip {
        IpAddr::V4(v4) => Some(v4),
        IpAddr::V6(v6) => v6.to_ipv4_mapped(),
    };
    match (ip, v4) {
        (_, Some(v4)) if v4 == Ipv4Addr::new(169, 254, 169, 254) => "cloud metadata",
        (_, Some(v4)) if v4.is_loopback() => "loopback",
        (_, Some(v4)) if v4.is_private() => "private",
        (_, Some(v4)) if v4.is_link_local() => "link-local",
        (IpAddr::V6(v6), None) if v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) => "cloud metadata",
        (IpAddr::V6(v6), None) if v6.is_loopback() => "loopback",
        (IpAddr::V6(v6), None) if (v6.segments()[0] & 0xffc0) == 0xfe80 => "link-local",
        (IpAddr::V6(v6), None) if (v6.segments()[0] & 0xfe00) == 0xfc00 => "private",
        _ => "non-public",
    }
}

/// reqwest's DNS resolver with the address rules: every address a name
/// resolves to must be public, unless the name was allowed explicitly.
#[derive(Debug)]
pub struct GuardedResolver {
    explicit_hosts: HashSet<String>,
}

/// The error the resolver returns; its text reaches the user through reqwest.
#[derive(Debug, thiserror::Error)]
#[error(
    "refusing to connect to `{host}`: it resolves to {addr}, a {kind} address; pass `--registry-allow {host}` if you trust it"
)]
pub struct AddressRefused {
    host: String,
    addr: IpAddr,
    kind: &'static str,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_ascii_lowercase();
        let explicit = self.explicit_hosts.contains(&host);
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if !explicit && let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
                return Err(Box::new(AddressRefused { host, addr: bad.ip(), kind: classify(bad.ip()) }) as _);
            }
            let it: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(it)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn non_public_addresses() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.100.100.200",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::",
            "224.0.0.1",
        ] {
            assert!(!is_public(ip(a)), "{a} must not be public");
        }
        for a in ["140.82.112.34", "2606:4700::6810:84e5", "8.8.8.8"] {
            assert!(is_public(ip(a)), "{a} is public");
        }
        assert_eq!(classify(ip("169.254.169.254")), "cloud metadata");
        assert_eq!(classify(ip("fd00:ec2::254")), "cloud metadata");
        assert_eq!(classify(ip("127.0.0.1")), "loopback");
    }

    #[test]
    fn allowlist() {
        let g = Guard::new(["registry.example.com"]);
        assert_eq!(g.endpoint("docker.io").unwrap().base(), "https://registry-1.docker.io");
        assert_eq!(g.endpoint("index.docker.io").unwrap().base(), "https://registry-1.docker.io");
        assert!(g.endpoint("ghcr.io").is_ok());
        assert!(g.endpoint("europe-west1-docker.pkg.dev").is_ok());
        assert!(g.endpoint("pkg.dev").is_err(), "the wildcard needs a subdomain");
        assert!(g.endpoint("evilpkg.dev").is_err());
        assert!(g.endpoint("registry.example.com").is_ok());
        assert!(g.endpoint("ghcr.io:8443").is_err(), "a default entry allows only the default port");
        assert!(g.endpoint("evil.example").is_err());
        let err = g.endpoint("127.0.0.1:5000").unwrap_err().to_string();
        assert!(err.contains("--registry-allow 127.0.0.1:5000"), "{err}");
    }

    #[test]
    fn explicit_allows_loopback_over_http() {
        let mut g = Guard::new::<_, &str>([]);
        g.allow_explicit("127.0.0.1:5000");
        assert_eq!(g.endpoint("127.0.0.1:5000").unwrap().base(), "http://127.0.0.1:5000");
        assert!(g.endpoint("127.0.0.1:5001").is_err(), "only the named port");
        assert!(g.check_url(&"http://127.0.0.1:5000/v2/".parse().unwrap()).is_ok());
        assert!(g.check_url(&"http://ghcr.io/token".parse().unwrap()).is_err(), "plain HTTP elsewhere");
        assert!(g.check_url(&"https://169.254.169.254/latest".parse().unwrap()).is_err());
        assert!(g.check_url(&"https://[::1]/x".parse().unwrap()).is_err());
    }

    #[test]
    fn configured_ip_literal_still_refused() {
        let g = Guard::new(["169.254.169.254", "10.0.0.5"]);
        let err = g.endpoint("169.254.169.254").unwrap_err().to_string();
        assert!(err.contains("cloud metadata"), "{err}");
        assert!(g.endpoint("10.0.0.5").is_err());
    }
}
