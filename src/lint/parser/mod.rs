//! Parsers for the two file kinds drydock lints.
//!
//! [`dockerfile`] follows BuildKit's `frontend/dockerfile/parser` step by step so
//! that what we lint is what `docker build` builds; [`dockerignore`] follows
//! BuildKit's `patternmatcher`. Both are total: any input yields a tree plus
//! diagnostics, never a panic.

pub mod ast;
pub mod dockerfile;
pub mod dockerignore;

pub use ast::*;
pub use dockerfile::{ParseIssue, parse};
