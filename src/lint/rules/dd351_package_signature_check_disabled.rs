use super::commands::RunCmd;
use super::tool_options::repo_key_off;
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::source::{TextRange, contains_ignore_ascii_case, ends_with_ignore_ascii_case};

declare_rule! {
    /// ## What it does
    /// Finds package-manager switches that install packages without checking
    /// their signatures:
    /// - `apk add --allow-untrusted`;
    /// - `apt-get`/`apt` `--allow-unauthenticated`, `--force-yes`,
    ///   `--allow-insecure-repositories`, `-o APT::Get::AllowUnauthenticated=true`,
    ///   and `[trusted=yes]` sources;
    /// - `--nogpgcheck` for yum, dnf, microdnf and tdnf, `--no-gpg-checks` for
    ///   zypper, and `gpgcheck=0` as an option or in a repository file;
    /// - `rpm --nosignature`/`--nodigest`.
    ///
    /// Commands are read from the shell syntax tree (argv). Checkov's
    /// `CKV2_DOCKER_7` to 11 cover the same cases.
    ///
    /// ## Why is this bad?
    /// Package signatures are what makes a mirror, a proxy or a cache unable to
    /// slip in a modified package. With the check off, whatever the network
    /// serves is installed as root and shipped in the image.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apk add --allow-untrusted ./tool.apk
    /// RUN dnf install -y --nogpgcheck tool
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// COPY tool.rsa.pub /etc/apk/keys/
    /// RUN apk add ./tool.apk
    /// RUN rpm --import https://example.com/RPM-GPG-KEY && dnf install -y tool
    /// ```
    pub struct PackageSignatureCheckDisabled { code: "DD351", name: "package-signature-check-disabled", tag: Some(Tag::DeterministicDeps), severity: Error, fix: None }
}

const YUM_LIKE: &[&str] = &["yum", "dnf", "microdnf", "tdnf"];
const APT_LIKE: &[&str] = &["apt-get", "apt", "aptitude"];

/// The word at fault and the message, if the command skips signature checks.
fn check_command(c: &RunCmd<'_>) -> Option<(TextRange, String, &'static str)> {
    let name = c.name();
    let args = c.args();
    let flag = |names: &[&str]| args.iter().find(|w| names.contains(&w.text.as_str()));
    let apt_help = "import the repository's key (`signed-by=` in its sources entry) instead";
    let rpm_help = "import the vendor's key with `rpm --import` and keep the check on";
    if name == "apk"
        && let Some(w) = flag(&["--allow-untrusted"])
    {
        return Some((
            c.word_range(w),
            "`apk --allow-untrusted` installs packages without checking their signatures".into(),
            "add the package's signing key to `/etc/apk/keys/` and drop `--allow-untrusted`",
        ));
    }
    if APT_LIKE.contains(&name) {
        if let Some(w) = flag(&["--allow-unauthenticated", "--force-yes", "--allow-insecure-repositories"]) {
            return Some((
                c.word_range(w),
                format!("`{name} {}` installs packages without checking their signatures", w.text),
                apt_help,
            ));
        }
        if let Some(w) = args.iter().find(|w| {
            let t = w.text.as_str();
            (contains_ignore_ascii_case(t, "allowunauthenticated")
                || contains_ignore_ascii_case(t, "allowinsecurerepositories"))
                && ["=true", "=1", "=yes"].iter().any(|end| ends_with_ignore_ascii_case(t, end))
        }) {
            return Some((
                c.word_range(w),
                format!("`{}` makes apt install packages without checking their signatures", w.text),
                apt_help,
            ));
        }
    }
    if YUM_LIKE.contains(&name)
        && let Some(w) = flag(&["--nogpgcheck", "--nogpgchecks"])
    {
        return Some((
            c.word_range(w),
            format!("`{name} {}` installs packages without checking their signatures", w.text),
            rpm_help,
        ));
    }
    if name == "zypper"
        && let Some(w) = flag(&["--no-gpg-checks", "--no-gpg-check"])
    {
        return Some((
            c.word_range(w),
            format!("`zypper {}` installs packages without checking their signatures", w.text),
            rpm_help,
        ));
    }
    if name == "rpm"
        && let Some(w) = flag(&["--nosignature", "--nodigest"])
    {
        return Some((
            c.word_range(w),
            format!("`rpm {}` installs packages without checking their signatures", w.text),
            rpm_help,
        ));
    }
    // Repository text or options: `gpgcheck=0`, `deb [trusted=yes] …`. Both need a `=` and more bytes than
    // `gpgcheck`: most words have neither, and are passed over after one look. A `gpgcheck` finding anywhere
    // comes first; else the first `[trusted=yes]`.
    let mut trusted = None;
    for w in args {
        let t = w.text.as_str();
        if t.len() <= "gpgcheck".len() || memchr::memchr(b'=', t.as_bytes()).is_none() {
            continue;
        }
        if repo_key_off(t, "gpgcheck") {
            return Some((
                c.word_range(w),
                "`gpgcheck` off makes yum/dnf/zypper install packages without checking their signatures".into(),
                rpm_help,
            ));
        }
        if trusted.is_none() && t.len() >= "[trusted=yes]".len() && contains_ignore_ascii_case(t, "[trusted=yes]") {
            trusted = Some(w);
        }
    }
    if let Some(w) = trusted {
        return Some((
            c.word_range(w),
            "`[trusted=yes]` makes apt install from this source without checking signatures".into(),
            apt_help,
        ));
    }
    None
}

impl Rule for PackageSignatureCheckDisabled {
    fn check_file(&self, cx: &mut Context<'_>) {
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                if let Some((range, message, help)) = check_command(c) {
                    cx.report(self, range, message).help(help);
                }
            }
        }
    }
}
