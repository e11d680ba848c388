//! GitHub: what the App receives and what it sends.
//!
//! Ingest comes first and is split so that nothing is parsed before it is
//! trusted: [`webhook`] checks a delivery's signature over the raw bytes and
//! parses its headers, and only then does [`events`] read the JSON into the few
//! events drydock acts on and the jobs they lead to. Neither does I/O.
//!
//! Outbound, [`app`] authenticates as the App (JWT, per-installation tokens with
//! one shared client per installation) and [`client`] makes the few REST calls
//! drydock needs, with retries, rate-limit waits and pagination that keeps its
//! authorisation on GHES and custom hosts.

pub mod app;
pub mod client;
pub mod events;
pub mod webhook;
