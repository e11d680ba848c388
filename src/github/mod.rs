//! Everything that talks to GitHub: the App's authentication ([`app`]) and the
//! REST calls drydock makes ([`client`]).

pub mod app;
pub mod client;
