use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::diagnostic::{Edit, Fix};
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `ADD` instructions that copy local files or directories. `ADD` is
    /// left alone when a source is a URL, a git repository (`git@…`, `….git`)
    /// or a local archive that `ADD` extracts (`.tar`, `.tar.gz`, `.tgz`,
    /// `.tar.bz2`, `.tar.xz`, `.txz`, `.zst`, …).
    ///
    /// ## Why is this bad?
    /// `ADD` does more than copy: it downloads URLs, clones git repositories and
    /// unpacks tar archives, detected by their content. For plain files `COPY`
    /// does the same job with no hidden behaviour, so a reader (and a later
    /// change of the source) cannot be surprised by an archive being unpacked.
    ///
    /// ## Example
    /// ```dockerfile
    /// ADD requirements.txt /app/
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// COPY requirements.txt /app/
    /// ```
    ///
    /// ## Fix safety
    /// The fix replaces the `ADD` keyword with `COPY` (in the same letter case)
    /// and is safe: for sources that are not URLs, git repositories or archives
    /// both instructions copy the same files with the same flags (`--chown`,
    /// `--chmod`, `--link`, `--exclude`). It is not offered when a source is
    /// built from a variable or a wildcard (it might name an archive), or when
    /// `ADD`-only flags are used (`--checksum`, `--keep-git-dir`, `--unpack`).
    /// One case stays out of reach of a linter: `ADD` also unpacks a tar archive
    /// whose name has no archive extension.
    ///
    /// ## References
    /// hadolint DL3020.
    pub struct AddForLocalFiles { code: "DL3020", name: "add-for-local-files", tag: None, severity: Error, fix: Safe }
}

/// Name endings of archives `ADD` unpacks (compared case-insensitively).
const ARCHIVES: &[&str] = &[
    ".tar", ".gz", ".tgz", ".bz2", ".tbz", ".tbz2", ".tb2", ".xz", ".txz", ".lz", ".lzma", ".tlz", ".z", ".tz", ".tpz",
    ".zst", ".tzst",
];

/// Flags only `ADD` understands.
const ADD_ONLY_FLAGS: &[&str] = &["checksum", "keep-git-dir", "unpack"];

impl Rule for AddForLocalFiles {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        let inst = inst.effective();
        if inst.keyword != Keyword::Add {
            return;
        }
        let Some((_, sources)) = inst.args.split_last() else {
            return;
        };
        if sources.is_empty() {
            return;
        }
        let sources: Vec<&str> = sources.iter().map(|a| a.value.trim_matches(['"', '\''])).collect();
        if sources.iter().any(|s| is_remote(s) || is_archive(s)) {
            return;
        }
        let copy = copy_keyword(&inst.name);
        let fixable = !sources.iter().any(|s| s.contains(['$', '*', '?', '[']))
            && !inst.flags.iter().any(|f| ADD_ONLY_FLAGS.iter().any(|n| f.name.eq_ignore_ascii_case(n)));
        let diag = cx
            .report(
                self,
                inst.name_range,
                format!("`{}` copies local files here, which `{copy}` does plainly", inst.name),
            )
            .help(format!("use `{copy}`; keep `ADD` for URLs, git repositories and archives it should unpack"));
        if fixable {
            diag.fix(Fix::safe([Edit::replace(inst.name_range, copy)]));
        }
    }
}

/// A URL (`scheme://`) or a git source (`git@host:…`, `….git`, `….git#ref`).
fn is_remote(src: &str) -> bool {
    let lower = src.to_ascii_lowercase();
    lower.contains("://")
        || lower.starts_with("git@")
        || lower.rsplit_once('.').is_some_and(|(_, ext)| ext == "git")
        || lower.contains(".git#")
}

fn is_archive(src: &str) -> bool {
    let lower = src.to_ascii_lowercase();
    ARCHIVES.iter().any(|ext| lower.ends_with(ext))
}

/// `COPY` in the letter case of the `ADD` keyword as written.
fn copy_keyword(add: &str) -> &'static str {
    if add.chars().all(|c| c.is_ascii_lowercase()) {
        "copy"
    } else if add.starts_with(|c: char| c.is_ascii_uppercase()) && add.chars().skip(1).all(|c| c.is_ascii_lowercase()) {
        "Copy"
    } else {
        "COPY"
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::diagnostic::apply_safe_fixes;
    use crate::lint::{LintInput, Settings, check};

    fn fix(src: &str) -> String {
        let settings = Settings::only("DL3020");
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &settings);
        let (fixed, _) = apply_safe_fixes(src, &diags);
        let again = check(&LintInput::dockerfile("Dockerfile", &fixed), &settings);
        assert_eq!(apply_safe_fixes(&fixed, &again).1, 0, "a second pass changes nothing");
        fixed
    }

    #[test]
    fn fix_replaces_keyword_in_its_case() {
        let src = "FROM alpine:3.20\nADD --chown=app:app conf/ /etc/app/\nadd run.sh /usr/local/bin/\nAdd [\"a b\", \"/c/\"]\nONBUILD ADD . /src\n";
        assert_eq!(
            fix(src),
            "FROM alpine:3.20\nCOPY --chown=app:app conf/ /etc/app/\ncopy run.sh /usr/local/bin/\nCopy [\"a b\", \"/c/\"]\nONBUILD COPY . /src\n"
        );
    }

    #[test]
    fn no_fix_where_add_may_differ() {
        let src = "FROM alpine:3.20\nADD $SRC /app/\nADD dist/* /app/\nADD --checksum=sha256:0 file /app/\n";
        let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3020"));
        assert_eq!(diags.len(), 3);
        assert!(diags.iter().all(|d| d.fix.is_none()));
    }

    #[test]
    fn remote_and_archive_sources_are_quiet() {
        let src = "FROM alpine:3.20\nADD https://example.com/a.txt /a\nADD git@github.com:o/r.git /r\nADD rootfs.tar.xz /\nADD \"pkg.TGZ\" /opt/\nADD data.zst /d/\n";
        assert!(check(&LintInput::dockerfile("Dockerfile", src), &Settings::only("DL3020")).is_empty());
    }
}
