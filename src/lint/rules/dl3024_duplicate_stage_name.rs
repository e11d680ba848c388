use super::{Rule, declare_rule};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds a `FROM … AS <name>` whose name (compared case-insensitively, as
    /// BuildKit does) was already given to an earlier stage, and reports the
    /// later one.
    ///
    /// ## Why is this bad?
    /// `FROM <name>`, `COPY --from=<name>` and `--target <name>` pick a stage by
    /// its name; with two stages of the same name they cannot say which one they
    /// mean, and a reader will guess wrong. BuildKit reports it as
    /// `DuplicateStageName`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM golang:1.22.5 AS build
    /// RUN go build -o /out/api ./cmd/api
    /// FROM golang:1.22.5 AS build
    /// RUN go build -o /out/worker ./cmd/worker
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM golang:1.22.5 AS build-api
    /// RUN go build -o /out/api ./cmd/api
    /// FROM golang:1.22.5 AS build-worker
    /// RUN go build -o /out/worker ./cmd/worker
    /// ```
    ///
    /// ## References
    /// hadolint DL3024; BuildKit's `DuplicateStageName` check.
    pub struct DuplicateStageName { code: "DL3024", name: "duplicate-stage-name", tag: None, severity: Error, fix: None }
}

impl Rule for DuplicateStageName {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        let mut seen: crate::lint::HashMap<&str, &crate::lint::model::Stage> = crate::lint::HashMap::default();
        for stage in &model.stages {
            let (Some(name), Some(range)) = (stage.name.as_deref(), stage.name_range) else {
                continue;
            };
            let Some(first) = seen.get(name).copied() else {
                seen.insert(name, stage);
                continue;
            };
            let line = file.instructions.get(first.from).map_or(0, |f| f.start_line);
            cx.report(self, range, format!("stage name `{name}` is already used by the stage on line {line}"))
                .help("give each stage its own name; references by name cannot tell the two apart");
        }
    }
}
