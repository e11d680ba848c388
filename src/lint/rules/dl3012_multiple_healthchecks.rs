use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds a second (third, …) `HEALTHCHECK` in the same stage and reports
    /// each one after the first.
    ///
    /// ## Why is this bad?
    /// An image has one health check: the last `HEALTHCHECK` of the stage wins
    /// and the earlier ones are dead code. A reader who finds the first one
    /// believes it is the probe Docker runs.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM nginx:1.27.0
    /// HEALTHCHECK CMD curl -f http://localhost/ || exit 1
    /// HEALTHCHECK --interval=10s CMD curl -f http://localhost/healthz || exit 1
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM nginx:1.27.0
    /// HEALTHCHECK --interval=10s CMD curl -f http://localhost/healthz || exit 1
    /// ```
    ///
    /// ## References
    /// hadolint DL3012; BuildKit's `MultipleInstructionsDisallowed` check.
    pub struct MultipleHealthchecks { code: "DL3012", name: "multiple-healthchecks", tag: None, severity: Error, fix: None }
}

impl Rule for MultipleHealthchecks {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        for stage in &model.stages {
            let mut previous: Option<u32> = None;
            for inst in stage.body.clone().filter_map(|i| file.instructions.get(i)) {
                if inst.keyword != Keyword::Healthcheck {
                    continue;
                }
                if let Some(line) = previous {
                    cx.report(
                        self,
                        inst.name_range,
                        format!("another `HEALTHCHECK` in this stage: the one on line {line} has no effect"),
                    )
                    .help(format!("keep one `HEALTHCHECK` per stage; delete the one on line {line} or this one"));
                }
                previous = Some(inst.start_line);
            }
        }
    }
}
