use super::{Rule, declare_rule};

declare_rule! {
    /// ## What it does
    /// Finds empty lines inside an instruction that is continued with the escape
    /// character (`\`, or `` ` `` under `# escape=`).
    ///
    /// ## Why is this bad?
    /// BuildKit accepts them with the warning "Empty continuation lines will become
    /// errors in a future release". An empty line in the middle of a long `RUN`
    /// also reads like the end of the instruction, so the next lines look like
    /// separate instructions when they are not.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update \
    ///
    ///     && apt-get install -y --no-install-recommends curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update \
    ///     && apt-get install -y --no-install-recommends curl
    /// ```
    ///
    /// ## Fix safety
    /// The fix deletes the empty lines and is safe: BuildKit skips them when it
    /// joins the instruction's lines, so the instruction stays the same.
    ///
    /// ## References
    /// BuildKit's `NoEmptyContinuation` check.
    pub struct EmptyContinuationLine { code: "DD100", name: "empty-continuation-line", tag: None, severity: Warning, fix: Safe }
}

/// Reported by the parser itself; the rule exists for its docs and its code.
impl Rule for EmptyContinuationLine {}
