//! The one integration test binary (one link, as in ripgrep and zero2prod).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli;
mod common;
mod corpus;
mod deploy;
#[cfg(feature = "service")]
mod digest;
#[cfg(feature = "service")]
mod digest_pr;
#[cfg(feature = "service")]
mod fake_github;
mod fixes;
#[cfg(feature = "service")]
mod github_client;
mod hadolint_compare;
mod parser;
mod parser_diff;
#[cfg(feature = "service")]
mod pr_flow;
#[cfg(feature = "service")]
mod registry;
mod rules;
#[cfg(feature = "service")]
mod serve_process;
#[cfg(feature = "service")]
mod server;
#[cfg(feature = "service")]
mod setup;
mod shellcheck;
#[cfg(feature = "service")]
mod store;
#[cfg(feature = "service")]
mod webhook;
