use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::source::TextRange;

declare_rule! {
    /// ## What it does
    /// Reports a `--target` that names no stage of the Dockerfile. The last stage
    /// is then linted as the final one. It is reported on line 1.
    ///
    /// ## Why is this bad?
    /// `docker build --target` fails with "target stage could not be found", and
    /// every final-stage rule (non-root, minimal base, health check) would be
    /// checking a stage that is not the one that ships.
    ///
    /// ## Example
    /// ```dockerfile
    /// # drydock lint --target runtime Dockerfile
    /// FROM golang:1.22 AS build
    /// FROM gcr.io/distroless/static-debian12:nonroot AS release
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// # drydock lint --target release Dockerfile
    /// FROM golang:1.22 AS build
    /// FROM gcr.io/distroless/static-debian12:nonroot AS release
    /// ```
    pub struct MissingTargetStage { code: "DD102", name: "missing-target-stage", tag: None, severity: Error, fix: None }
}

impl Rule for MissingTargetStage {
    fn check_file(&self, cx: &mut Context<'_>) {
        let Some(target) = &cx.model.missing_target else { return };
        let names: Vec<String> = cx.model.stages.iter().filter_map(|s| s.name.clone()).collect();
        let help = if names.is_empty() {
            "no stage is named; add `AS <name>` to the FROM you want, or drop `--target`".to_string()
        } else {
            format!("stages are named {}", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "))
        };
        cx.report(self, TextRange::empty(0), format!("`--target {target}` names no stage of this Dockerfile"))
            .help(help);
    }
}
