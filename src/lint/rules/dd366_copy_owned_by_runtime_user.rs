use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::model::{ScopeCursor, expand, is_root_user};
use crate::lint::parser::Keyword;
use crate::lint::source::TextRange;

declare_rule! {
    /// ## What it does
    /// Finds `COPY --chown=<user>` and `ADD --chown=<user>` in the final stage
    /// that give the copied files to the user the image runs as (its last
    /// `USER`). KICS reports every `--chown` ("chown flag exists"); this rule
    /// only reports the case that matters.
    ///
    /// ## Why is this bad?
    /// Files owned by the runtime user can be rewritten by the running
    /// process: an attacker who gets code execution in the app can replace
    /// the app's own code or configuration, and the change survives a
    /// process restart. Code and configuration should belong to root (the
    /// default) and be readable by the app; only the directories the app
    /// must write (data, cache, uploads) should be its own.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY --chown=app:app . /app
    /// USER app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// COPY . /app
    /// RUN mkdir /app/data && chown app:app /app/data
    /// USER app
    /// ```
    pub struct CopyOwnedByRuntimeUser { code: "DD366", name: "copy-owned-by-runtime-user", tag: None, severity: Info, fix: None }
}

/// The user part of `user[:group]`.
fn user_part(s: &str) -> &str {
    s.split(':').next().unwrap_or(s).trim()
}

impl Rule for CopyOwnedByRuntimeUser {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        let Some(stage) = model.final_stage() else { return };
        let runtime = model.effective_user(file, stage.index);
        if runtime.inst.is_none() || runtime.root != Some(false) {
            return;
        }
        let runtime_user = user_part(&runtime.user).to_string();
        let mut found: Vec<(TextRange, String)> = Vec::new();
        // The COPYs come in file order: the scope is carried forward, not rebuilt for each.
        let mut scopes = ScopeCursor::new(model, file);
        for i in stage.body.clone() {
            let Some(inst) = file.instructions.get(i) else { continue };
            if !matches!(inst.keyword, Keyword::Copy | Keyword::Add) {
                continue;
            }
            let Some(flag) = inst.flag("chown") else { continue };
            let Some(value) = flag.value.as_deref() else { continue };
            let scope = scopes.at(i);
            let expanded = expand::expand(value, model.escape, &|n| scope.get(n).cloned());
            if !expanded.unset.is_empty() || is_root_user(&expanded.value) {
                continue;
            }
            if user_part(&expanded.value) == runtime_user {
                found.push((flag.range, runtime_user.clone()));
            }
        }
        for (range, user) in found {
            cx.report(self, range, format!("the copied files belong to `{user}`, the user the image runs as")).help(
                "leave code and configuration owned by root; give the runtime user only the directories it must write",
            );
        }
    }
}
