use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds a second (third, …) `ENTRYPOINT` in the same stage and reports each
    /// one after the first.
    ///
    /// ## Why is this bad?
    /// Only the last `ENTRYPOINT` of a stage takes effect; the earlier ones are
    /// dead code. Setting `ENTRYPOINT` also resets any `CMD` inherited from the
    /// base image, so a stray one changes more than it seems to.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM eclipse-temurin:21.0.3_9-jre
    /// ENTRYPOINT ["java", "-jar", "/app/old.jar"]
    /// ENTRYPOINT ["java", "-jar", "/app/app.jar"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM eclipse-temurin:21.0.3_9-jre
    /// ENTRYPOINT ["java", "-jar", "/app/app.jar"]
    /// ```
    ///
    /// ## References
    /// hadolint DL4004; BuildKit's `MultipleInstructionsDisallowed` check.
    pub struct MultipleEntrypoints { code: "DL4004", name: "multiple-entrypoints", tag: None, severity: Error, fix: None }
}

impl Rule for MultipleEntrypoints {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        for stage in &model.stages {
            let mut previous: Option<u32> = None;
            for inst in stage.body.clone().filter_map(|i| file.instructions.get(i)) {
                if inst.keyword != Keyword::Entrypoint {
                    continue;
                }
                if let Some(line) = previous {
                    cx.report(
                        self,
                        inst.name_range,
                        format!("another `ENTRYPOINT` in this stage: the one on line {line} has no effect"),
                    )
                    .help(format!("keep one `ENTRYPOINT` per stage; delete the one on line {line} or this one"));
                }
                previous = Some(inst.start_line);
            }
        }
    }
}
