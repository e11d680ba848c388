use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::model::Base;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds `COPY` instructions with a relative destination (`COPY app.py .`,
    /// `COPY src/ src/`) in a stage where no `WORKDIR` was set yet, neither in
    /// the stage nor in the earlier stage it is built `FROM`. Destinations
    /// that are absolute (`/app`, `C:\app`) or start with a variable are fine.
    ///
    /// ## Why is this bad?
    /// A relative destination is resolved against the working directory, which
    /// then comes from the base image: `/` for most, something else for some
    /// (`/usr/src/app`, `/home/node`). The files land where the reader cannot
    /// tell, and move when the base image changes its `WORKDIR`.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12.4-slim
    /// COPY app.py .
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.12.4-slim
    /// WORKDIR /app
    /// COPY app.py .
    /// ```
    ///
    /// ## References
    /// hadolint DL3045 (same code and meaning).
    pub struct CopyToRelativeWithoutWorkdir { code: "DL3045", name: "copy-to-relative-without-workdir", tag: None, severity: Warning, fix: None }
}

/// Whether a destination does not depend on the working directory.
fn is_anchored(dest: &str) -> bool {
    let d = dest.trim_matches(['"', '\'']);
    let mut chars = d.chars();
    let first = chars.next();
    let second = chars.next();
    let third = chars.next();
    matches!(first, Some('/' | '$' | '\\'))
        || (first.is_some_and(|c| c.is_ascii_alphabetic()) && second == Some(':') && matches!(third, Some('/' | '\\')))
}

impl Rule for CopyToRelativeWithoutWorkdir {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        let mut workdir_set = vec![false; model.stages.len()];
        for stage in &model.stages {
            let mut set = match stage.base {
                Base::Stage(j) => workdir_set.get(j).copied().unwrap_or(false),
                _ => false,
            };
            for inst in stage.body.clone().filter_map(|i| file.instructions.get(i)) {
                match inst.keyword {
                    Keyword::Workdir => set = true,
                    Keyword::Copy if !set => {
                        let Some(dest) = inst.args.last().filter(|_| inst.args.len() >= 2) else { continue };
                        if is_anchored(&dest.value) {
                            continue;
                        }
                        cx.report(
                            self,
                            dest.range,
                            format!("`COPY` to the relative path `{}` before any `WORKDIR`", dest.value),
                        )
                        .help(
                            "set `WORKDIR /app` (or your directory) earlier in the stage, or copy to an absolute path",
                        );
                    }
                    _ => {}
                }
            }
            if let Some(slot) = workdir_set.get_mut(stage.index) {
                *slot = set;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_anchored;

    #[test]
    fn anchored() {
        for d in ["/app", "\"/app\"", "$HOME/x", "${DIR}", "C:\\app", "c:/app"] {
            assert!(is_anchored(d), "{d}");
        }
        for d in [".", "./", "app/", "src", "1:/x", "C:app"] {
            assert!(!is_anchored(d), "{d}");
        }
    }
}
