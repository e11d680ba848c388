//! drydock enforces a containerisation standard where images are born: in pull
//! requests. This crate holds the pure lint engine ([`lint`]) and the command line
//! ([`cli`]).

pub mod cli;
#[cfg(feature = "digest")]
pub mod digest;
#[cfg(feature = "service")]
pub mod github;
#[cfg(feature = "service")]
pub mod jobs;
pub mod lint;
#[cfg(feature = "service")]
pub mod server;
pub mod shellcheck;
#[cfg(feature = "service")]
pub mod store;
