use std::collections::BTreeMap;

use super::commands::{ends_with_ci, run_at, runs_in};
use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds a local tar archive (`.tar`, `.tar.gz`, `.tgz`, `.tar.bz2`,
    /// `.tar.xz`, …) that a `COPY` brings in and a later `RUN` of the same
    /// stage unpacks with `tar -x`. The finding is on the `COPY`. Zip files and
    /// lone `.gz` files are not reported: `ADD` does not unpack them.
    ///
    /// ## Why is this bad?
    /// The archive stays in the `COPY` layer even when the `RUN` deletes it,
    /// so the image carries it twice: packed and unpacked. `ADD` unpacks a
    /// local tar archive in one step and keeps only the files.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY app.tar.gz /tmp/
    /// RUN tar -xzf /tmp/app.tar.gz -C /opt && rm /tmp/app.tar.gz
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ADD app.tar.gz /opt/
    /// ```
    ///
    /// ## References
    /// hadolint DL3010 (same code; hadolint also counts zip and lone
    /// compressed files, which `ADD` does not unpack).
    pub struct CopyThenExtract { code: "DL3010", name: "copy-then-extract", tag: None, severity: Info, fix: None }
}

/// Extensions of the archives `ADD` unpacks.
const TAR_EXTENSIONS: &[&str] = &[
    ".tar",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz",
    ".tbz2",
    ".tb2",
    ".tar.xz",
    ".txz",
    ".tar.lzma",
    ".tlz",
    ".tar.zst",
];

fn basename(path: &str) -> &str {
    let p = path.trim_matches(['"', '\'']);
    p.rsplit(['/', '\\']).next().unwrap_or(p)
}

fn is_tar(name: &str) -> bool {
    TAR_EXTENSIONS.iter().any(|e| ends_with_ci(name, e))
}

/// Whether `tar` arguments ask to extract (`-x…`, `--extract`, `--get`, or
/// the old `tar xzf` form).
fn extracts(args: &[crate::lint::model::shell::Word]) -> bool {
    args.iter().enumerate().any(|(i, w)| {
        let t = w.text.as_str();
        matches!(t, "--extract" | "--get")
            || (t.starts_with('-') && !t.starts_with("--") && t.contains('x'))
            || (i == 0 && !t.starts_with('-') && t.contains('x') && t.chars().all(|c| c.is_ascii_alphabetic()))
    })
}

impl Rule for CopyThenExtract {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        let runs = cx.run_scripts();
        for stage in &model.stages {
            // Only `tar` extracting in a RUN of the stage is reported: most stages have none, and their
            // COPYs need not be read.
            let extracting = runs_in(&runs, &stage.body)
                .iter()
                .any(|r| !r.onbuild && r.commands().iter().any(|c| c.name() == "tar" && extracts(c.args())));
            if !extracting {
                continue;
            }
            // Archive basename -> the COPY's source span.
            let mut archives: BTreeMap<String, crate::lint::TextRange> = BTreeMap::new();
            let mut reported = Vec::new();
            for i in stage.body.clone() {
                let Some(inst) = file.instructions.get(i) else { continue };
                if inst.keyword == Keyword::Copy && inst.flag("from").is_none() && inst.heredocs.is_empty() {
                    let Some((dest, sources)) = inst.args.split_last() else { continue };
                    if is_tar(basename(&dest.value)) {
                        archives.insert(basename(&dest.value).to_string(), dest.range);
                    } else {
                        for s in sources.iter().filter(|s| is_tar(basename(&s.value))) {
                            archives.insert(basename(&s.value).to_string(), s.range);
                        }
                    }
                    continue;
                }
                let Some(run) = run_at(&runs, i).filter(|r| !r.onbuild) else { continue };
                for c in run.commands() {
                    if c.name() != "tar" || !extracts(c.args()) {
                        continue;
                    }
                    for w in c.args() {
                        let value = w.text.split_once('=').map_or(w.text.as_str(), |(_, v)| v);
                        if let Some(range) = archives.get(basename(value)).copied()
                            && !reported.contains(&range)
                        {
                            reported.push(range);
                            cx.report(self, range, format!("`{}` is copied in and then unpacked with `tar`", basename(value)))
                                .help("`ADD` the archive to the target directory instead: it unpacks local tar archives in one layer");
                        }
                    }
                }
            }
        }
    }
}
