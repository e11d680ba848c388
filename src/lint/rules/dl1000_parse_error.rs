use super::{Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Reports a Dockerfile that BuildKit's parser rejects: an unterminated
    /// heredoc, `ENV` with a key and no value, a JSON array holding something other
    /// than strings, a repeated parser directive, an invalid `# escape=`, or a file
    /// with no instruction at all.
    ///
    /// ## Why is this bad?
    /// `docker build` stops before it runs anything. drydock keeps going past the
    /// bad line so the rest of the file is still linted, but the image cannot be
    /// built until this is fixed.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20
    /// ENV DEBUG
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20
    /// ENV DEBUG=1
    /// ```
    pub struct ParseError { code: "DL1000", name: "parse-error", tag: None, severity: Error, fix: None }
}

/// Reported by the parser itself; the rule exists for its docs and its code.
impl Rule for ParseError {}
