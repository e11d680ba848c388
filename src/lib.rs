//! drydock enforces a containerisation standard where images are born: in pull
//! requests. This crate holds the pure lint engine ([`lint`]) and the command line
//! ([`cli`]).

pub mod cli;
#[cfg(feature = "service")]
pub mod github;
pub mod lint;
pub mod shellcheck;
#[cfg(feature = "service")]
pub mod store;
