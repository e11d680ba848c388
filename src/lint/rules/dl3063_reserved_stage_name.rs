use super::{Rule, declare_rule};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds stages named with a word BuildKit reserves: `scratch` or `context`
    /// (in any letter case).
    ///
    /// ## Why is this bad?
    /// `scratch` already means the empty image, and `context` the build context,
    /// so `FROM scratch` or `COPY --from=context` elsewhere in the file may not
    /// mean this stage. BuildKit reports it as `ReservedStageName`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM alpine:3.20 AS scratch
    /// RUN mkdir -p /out
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM alpine:3.20 AS prepare
    /// RUN mkdir -p /out
    /// ```
    ///
    /// ## References
    /// hadolint DL3063; BuildKit's `ReservedStageName` check.
    pub struct ReservedStageName { code: "DL3063", name: "reserved-stage-name", tag: None, severity: Warning, fix: None }
}

impl Rule for ReservedStageName {
    fn check_file(&self, cx: &mut Context<'_>) {
        let model = cx.model;
        for stage in &model.stages {
            let (Some(name), Some(range)) = (stage.name.as_deref(), stage.name_range) else {
                continue;
            };
            let meaning = match name {
                "scratch" => "the empty base image",
                "context" => "the build context",
                _ => continue,
            };
            cx.report(self, range, format!("stage name `{name}` is reserved: it already means {meaning}"))
                .help("rename the stage, e.g. `AS prepare`, and update the references to it");
        }
    }
}
