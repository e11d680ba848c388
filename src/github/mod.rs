//! GitHub: what the App receives and what it sends.
//!
//! Ingest comes first and is split so that nothing is parsed before it is
//! trusted: [`webhook`] checks a delivery's signature over the raw bytes and
//! parses its headers, and only then does [`events`] read the JSON into the few
//! events drydock acts on and the jobs they lead to. Neither module does I/O;
//! the HTTP server, the store and the worker build on them.

pub mod events;
pub mod webhook;
