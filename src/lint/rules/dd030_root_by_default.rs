use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds a final stage that runs as root without saying so: no `USER` in the
    /// stage or the stages it is built `FROM`, on a base image whose default user
    /// is root (most images, and distroless without its `nonroot` variant), or a
    /// parent stage that ends as root. Windows `ContainerUser` and nanoserver's
    /// default count as non-root.
    ///
    /// ## Why is this bad?
    /// Containers run as root by default. Combined with any vulnerability, root
    /// inside the container is a direct path to escape and host access. The
    /// standard requires an explicit non-root `USER` in the final stage, or the
    /// `nonroot` variant of a distroless image.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM gcr.io/distroless/static-debian12
    /// COPY service /service
    /// ENTRYPOINT ["/service"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM gcr.io/distroless/static-debian12:nonroot
    /// COPY service /service
    /// ENTRYPOINT ["/service"]
    /// ```
    ///
    /// ## References
    /// Trivy DS002 and Checkov `CKV_DOCKER_3` report a missing `USER`; hadolint
    /// DL3002 only reports an explicit `USER root`, which is DL3002 here too.
    pub struct RootByDefault { code: "DD030", name: "root-by-default", tag: Some(Tag::NonRoot), severity: Error, fix: None }
}

impl Rule for RootByDefault {
    fn check_file(&self, cx: &mut Context<'_>) {
        let Some(stage) = cx.model.final_stage() else { return };
        let user = cx.model.effective_user(cx.file, stage.index);
        if user.root != Some(true) {
            return;
        }
        // An explicit `USER root` in the final stage itself is DL3002's finding.
        if let Some(i) = user.inst
            && cx.model.stage_of.get(i).copied().flatten() == Some(stage.index)
            && cx.file.instructions.get(i).is_some_and(|x| x.keyword == Keyword::User)
        {
            return;
        }
        let Some(from) = cx.file.instructions.get(stage.from) else { return };
        let range = from.args.first().map_or(from.name_range, |a| a.range);
        let why = match user.inst {
            Some(i) => format!(
                "it inherits `USER {}` from an earlier stage",
                cx.file.instructions.get(i).and_then(|x| x.args.first()).map_or("root", |a| a.value.as_str())
            ),
            None => "no `USER` is set and the base image's default user is root".to_string(),
        };
        let distroless = cx
            .file
            .instructions
            .get(stage.from)
            .and_then(|x| x.args.first())
            .is_some_and(|a| a.value.contains("distroless"));
        let help = if distroless {
            "use the distroless `:nonroot` tag, or add `USER nonroot` (uid 65532)"
        } else {
            "create an unprivileged user and end the stage with `USER <name or uid>`"
        };
        cx.report(self, range, format!("the final stage runs as root: {why}")).help(help);
    }
}
