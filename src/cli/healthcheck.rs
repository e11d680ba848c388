//! `drydock healthcheck`: asks a running `drydock serve` whether it is up, for container
//! `HEALTHCHECK`s in images without a shell or curl (distroless).
//!
//! It reads the same `DRYDOCK_LISTEN` as `serve`, so the image needs no extra setting: a server on
//! `0.0.0.0:3000` is probed at `http://127.0.0.1:3000/healthz`. Proxies from the environment are
//! ignored (a probe of our own loopback must never go through `HTTP_PROXY`). Exit 0 when the server
//! answers 2xx within the timeout, 1 otherwise, with one line on stderr saying what failed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;

use super::serve::parse_duration;

/// `drydock healthcheck`.
#[derive(Debug, Args)]
pub struct HealthcheckArgs {
    /// The address `drydock serve` listens on (probed on loopback when it is a wildcard).
    #[arg(long, env = "DRYDOCK_LISTEN", default_value = "0.0.0.0:3000")]
    pub listen: SocketAddr,
    /// Which endpoint to ask: `/healthz` (the process is up) or `/readyz` (it can take work).
    #[arg(long, default_value = "/healthz")]
    pub path: String,
    /// Give up after this long (e.g. 2s).
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub timeout: Duration,
}

/// The URL probed for `listen` and `path`: wildcard addresses become loopback of the same family.
pub fn probe_url(listen: SocketAddr, path: &str) -> String {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    let path = if path.starts_with('/') { path.to_owned() } else { format!("/{path}") };
    format!("http://{}{path}", SocketAddr::new(ip, listen.port()))
}

/// Runs the probe; returns the exit code (0 healthy, 1 not).
pub fn run(args: &HealthcheckArgs) -> anyhow::Result<u8> {
    let url = probe_url(args.listen, &args.path);
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")?;
    crate::github::app::install_crypto_provider();
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(args.timeout)
        .connect_timeout(args.timeout)
        .build()
        .context("cannot build the HTTP client")?;
    let outcome = runtime.block_on(async {
        let response = client.get(&url).send().await?;
        Ok::<_, reqwest::Error>(response.status())
    });
    match outcome {
        Ok(status) if status.is_success() => Ok(0),
        Ok(status) => {
            eprintln!("drydock: unhealthy: {url} answered {status}");
            Ok(1)
        }
        Err(e) => {
            let why = if e.is_timeout() { "no answer within the timeout".to_owned() } else { e.to_string() };
            eprintln!("drydock: unhealthy: {url}: {why}; is `drydock serve` running and listening there?");
            Ok(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_probed_on_loopback() {
        assert_eq!(probe_url("0.0.0.0:3000".parse().unwrap(), "/healthz"), "http://127.0.0.1:3000/healthz");
        assert_eq!(probe_url("[::]:8080".parse().unwrap(), "readyz"), "http://[::1]:8080/readyz");
        assert_eq!(probe_url("10.1.2.3:3000".parse().unwrap(), "/healthz"), "http://10.1.2.3:3000/healthz");
    }
}
