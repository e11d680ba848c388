//! The one integration test binary (one link, as in ripgrep and zero2prod).

mod common;
mod corpus;
mod parser_diff;
