use super::commands::{is_dynamic, parse_args};
use super::tool_options::USERADD;
use super::{Rule, declare_rule};
use crate::lint::context::Context;

declare_rule! {
    /// ## What it does
    /// Finds `useradd` commands that set a UID longer than five digits
    /// (`-u 100000` and up) without `-l` / `--no-log-init`. A UID given by a
    /// variable (`-u $UID`) is not judged.
    ///
    /// ## Why is this bad?
    /// `useradd` records the new user in `/var/log/lastlog` and
    /// `/var/log/faillog`, sparse files indexed by UID. A layer cannot keep a
    /// file sparse, so a high UID writes gigabytes of zeros into the image.
    /// `-l` skips those logs.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN useradd -u 123456 app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN useradd -l -u 123456 app
    /// ```
    ///
    /// ## References
    /// hadolint DL3046 (same code and meaning).
    pub struct UseraddWithoutNoLogInit { code: "DL3046", name: "useradd-without-no-log-init", tag: None, severity: Warning, fix: None }
}

impl Rule for UseraddWithoutNoLogInit {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                if c.name() != "useradd" {
                    continue;
                }
                let parsed = parse_args(c.args(), USERADD);
                if parsed.has(&["l", "no-log-init"]) {
                    continue;
                }
                let Some(uid) = parsed.opts.iter().rev().find(|o| matches!(o.name, "u" | "uid")) else {
                    continue;
                };
                let Some(value) = uid.value.filter(|v| v.chars().count() > 5 && !is_dynamic(v)) else {
                    continue;
                };
                cx.report(
                    self,
                    c.span_to(Some(uid.word)),
                    format!("`useradd` with the high UID `{value}` and without `-l`"),
                )
                .help("add `-l` (`--no-log-init`) so the sparse lastlog and faillog files do not bloat the layer");
            }
        }
    }
}
