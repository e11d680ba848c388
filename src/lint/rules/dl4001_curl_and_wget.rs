use super::commands::runs_in;
use super::{Rule, declare_rule};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds stages whose `RUN` scripts use both `curl` and `wget`, and reports
    /// each `RUN` that uses one of them once the stage has used both.
    ///
    /// ## Why is this bad?
    /// Both tools download files; an image that needs both carries two HTTP
    /// clients (and their libraries) where one would do. Picking one also keeps
    /// the download options (retries, TLS, proxies) consistent.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN curl -fsSLO https://example.com/a.tar.gz
    /// RUN wget -q https://example.com/b.tar.gz
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN curl -fsSLO https://example.com/a.tar.gz \
    ///  && curl -fsSLO https://example.com/b.tar.gz
    /// ```
    ///
    /// ## References
    /// hadolint DL4001 (same code and meaning).
    pub struct CurlAndWget { code: "DL4001", name: "curl-and-wget", tag: None, severity: Warning, fix: None }
}

impl Rule for CurlAndWget {
    fn check_file(&self, cx: &mut Context<'_>) {
        let model = cx.model;
        let runs = cx.run_scripts();
        for stage in &model.stages {
            let (mut curl, mut wget) = (false, false);
            for run in runs_in(&runs, &stage.body).iter().filter(|r| !r.onbuild) {
                let cmds = run.commands();
                let used: Vec<_> = cmds.iter().filter(|c| matches!(c.name(), "curl" | "wget")).collect();
                let Some(first) = used.first() else { continue };
                curl |= used.iter().any(|c| c.name() == "curl");
                wget |= used.iter().any(|c| c.name() == "wget");
                if curl && wget {
                    cx.report(self, first.span_to(None), "this stage downloads with both `curl` and `wget`")
                        .help("use one of the two for every download in the stage");
                }
            }
        }
    }
}
