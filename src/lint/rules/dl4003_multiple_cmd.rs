use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds a second (third, …) `CMD` in the same stage and reports each one
    /// after the first.
    ///
    /// ## Why is this bad?
    /// Only the last `CMD` of a stage takes effect; the earlier ones are dead
    /// code that tells the reader the container runs something it does not.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12.4-slim
    /// CMD ["python", "manage.py", "migrate"]
    /// CMD ["gunicorn", "app.wsgi"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.12.4-slim
    /// CMD ["gunicorn", "app.wsgi"]
    /// ```
    ///
    /// ## References
    /// hadolint DL4003; BuildKit's `MultipleInstructionsDisallowed` check.
    pub struct MultipleCmd { code: "DL4003", name: "multiple-cmd", tag: None, severity: Warning, fix: None }
}

impl Rule for MultipleCmd {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        for stage in &model.stages {
            let mut previous: Option<u32> = None;
            for inst in stage.body.clone().filter_map(|i| file.instructions.get(i)) {
                if inst.keyword != Keyword::Cmd {
                    continue;
                }
                if let Some(line) = previous {
                    cx.report(
                        self,
                        inst.name_range,
                        format!("another `CMD` in this stage: the one on line {line} has no effect"),
                    )
                    .help(format!("keep one `CMD` per stage; delete the one on line {line} or this one"));
                }
                previous = Some(inst.start_line);
            }
        }
    }
}
