use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::model::Base;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds a final stage built `FROM scratch` (directly or through the
    /// stages it is built `FROM`) that sets neither `CMD` nor `ENTRYPOINT`.
    ///
    /// Only a stage meant to run is reported: one with `USER`, `EXPOSE`,
    /// `HEALTHCHECK`, `WORKDIR`, `VOLUME` or `STOPSIGNAL`. A `scratch` stage
    /// that only collects files is usually exported with `docker build
    /// --output`, not run. Stages on an external base are not reported: the
    /// base image usually brings its own `CMD` (`nginx`, `python`, `node`),
    /// which a linter cannot see.
    ///
    /// ## Why is this bad?
    /// An image built on `scratch` has no default command, so `docker run
    /// <image>` fails with "no command specified" and every deployment has to
    /// know which binary to start. The image should say how it runs.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM scratch
    /// COPY --from=build /out/server /server
    /// USER 65532
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM scratch
    /// COPY --from=build /out/server /server
    /// USER 65532
    /// ENTRYPOINT ["/server"]
    /// ```
    pub struct FinalStageWithoutCommand { code: "DD364", name: "final-stage-without-command", tag: None, severity: Warning, fix: None }
}

impl Rule for FinalStageWithoutCommand {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        let Some(final_stage) = model.final_stage() else { return };
        if !matches!(model.root_base(final_stage.index), Base::Scratch) {
            return;
        }
        let has_command = model.chain(final_stage.index).into_iter().any(|s| {
            model.stages.get(s).is_some_and(|st| {
                st.body.clone().filter_map(|i| file.instructions.get(i)).any(|inst| {
                    let kw = inst.keyword;
                    kw == Keyword::Cmd || kw == Keyword::Entrypoint
                })
            })
        });
        let meant_to_run = model.chain(final_stage.index).into_iter().any(|s| {
            model.stages.get(s).is_some_and(|st| {
                st.body.clone().filter_map(|i| file.instructions.get(i)).any(|inst| {
                    matches!(
                        inst.keyword,
                        Keyword::User
                            | Keyword::Expose
                            | Keyword::Healthcheck
                            | Keyword::Workdir
                            | Keyword::Volume
                            | Keyword::Stopsignal
                    )
                })
            })
        });
        if has_command || !meant_to_run {
            return;
        }
        let Some(from) = file.instructions.get(final_stage.from) else { return };
        let range = from.args.first().map_or(from.name_range, |a| from.name_range.cover(a.range));
        cx.report(self, range, "the final image is built on `scratch` and sets no `CMD` or `ENTRYPOINT`")
            .help("add `ENTRYPOINT [\"/path/to/binary\"]` so the image says how it runs");
    }
}
