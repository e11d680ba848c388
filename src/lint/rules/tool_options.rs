//! Which options of the package managers take a value, one table per tool,
//! shared by every rule that reads that tool's arguments. A table lists the
//! union of what the tool accepts, so no rule takes an option's value for a
//! package name.

use super::commands::OptSpec;
use crate::lint::model::shell::Word;

/// `apt-get` (and `apt`): options that take a value.
pub(crate) const APT_GET: OptSpec<'static> = OptSpec {
    short: "tocaP",
    long: &["target-release", "default-release", "option", "config-file", "host-architecture", "build-profiles"],
};

/// `pip install` (also `pip3`, `python -m pip`): options that take a value.
pub(crate) const PIP: OptSpec<'static> = OptSpec {
    short: "rcetifb",
    long: &[
        "requirement",
        "constraint",
        "editable",
        "target",
        "index-url",
        "extra-index-url",
        "find-links",
        "prefix",
        "root",
        "src",
        "platform",
        "python-version",
        "implementation",
        "abi",
        "no-binary",
        "only-binary",
        "upgrade-strategy",
        "progress-bar",
        "proxy",
        "trusted-host",
        "cache-dir",
        "log",
        "timeout",
        "retries",
        "config-settings",
        "report",
        "python",
        "build",
        "global-option",
        "exists-action",
        "cert",
        "client-cert",
        "install-option",
    ],
};

/// `npm`: options that take a value.
pub(crate) const NPM: OptSpec<'static> = OptSpec {
    short: "w",
    long: &[
        "prefix",
        "omit",
        "include",
        "only",
        "registry",
        "cache",
        "loglevel",
        "workspace",
        "userconfig",
        "tag",
        "install-strategy",
        "before",
    ],
};

/// `yum`, and `dnf`/`microdnf` where they agree: options that take a value.
pub(crate) const YUM: OptSpec<'static> = OptSpec {
    short: "cdexR",
    long: &[
        "config",
        "debuglevel",
        "errorlevel",
        "exclude",
        "installroot",
        "enablerepo",
        "disablerepo",
        "repo",
        "repoid",
        "releasever",
        "setopt",
        "color",
        "rpmverbosity",
        "downloaddir",
        "destdir",
        "forcearch",
        "comment",
    ],
};

/// `zypper`, global and `install` options: options that take a value.
pub(crate) const ZYPPER: OptSpec<'static> = OptSpec {
    short: "cDRrtp",
    long: &[
        "config",
        "root",
        "reposd-path",
        "cache-dir",
        "raw-cache-dir",
        "solv-cache-dir",
        "pkg-cache-dir",
        "repo",
        "type",
        "from",
        "reposd-dir",
    ],
};

/// `useradd` options that take a value (`-l`, `--no-log-init`, is a flag).
pub(crate) const USERADD: OptSpec<'static> = OptSpec {
    short: "bcdefgGkKpPRsuZ",
    long: &[
        "base-dir",
        "comment",
        "home-dir",
        "expiredate",
        "inactive",
        "gid",
        "groups",
        "skel",
        "key",
        "password",
        "prefix",
        "root",
        "shell",
        "uid",
        "selinux-user",
    ],
};

/// `usermod` options that take a value (here `-l` is `--login NEW_LOGIN`).
pub(crate) const USERMOD: OptSpec<'static> = OptSpec {
    short: "cdefgGlpPRsuZ",
    long: &[
        "comment",
        "home",
        "expiredate",
        "inactive",
        "gid",
        "groups",
        "login",
        "password",
        "prefix",
        "root",
        "shell",
        "uid",
        "selinux-user",
    ],
};

/// The option table of a system package manager, by command name.
pub(crate) fn for_package_manager(name: &str) -> Option<OptSpec<'static>> {
    match name {
        "apt-get" | "apt" | "aptitude" => Some(APT_GET),
        "apk" => Some(super::dl3018_unpinned_apk_package::APK),
        "yum" | "dnf" | "microdnf" | "tdnf" => Some(YUM),
        "zypper" => Some(ZYPPER),
        _ => None,
    }
}

/// The operands (subcommand first) of a package-manager command, with the
/// values of its options left out: `update` in `apt-get -o Acquire::Retries=3 update`.
#[cfg(test)]
pub(crate) fn package_manager_operands<'w>(name: &str, args: &'w [Word]) -> Vec<&'w str> {
    let spec = for_package_manager(name).unwrap_or(OptSpec { short: "", long: &[] });
    super::commands::parse_args(args, spec).operands.into_iter().map(|w| w.text.as_str()).collect()
}

/// The subcommand of a package-manager command: the first of [`package_manager_operands`].
pub(crate) fn package_manager_subcommand<'w>(name: &str, args: &'w [Word]) -> Option<&'w str> {
    let spec = for_package_manager(name).unwrap_or(OptSpec { short: "", long: &[] });
    super::commands::first_operand(args, spec).map(|w| w.text.as_str())
}

/// Whether `text` sets the repository key `key` (lowercase) to off anywhere: `key=0`, `key = false`,
/// `*.key=no`, quotes allowed, letters in any case (`sslverify=False` in a yum repo file written by `echo`).
#[inline]
pub(crate) fn repo_key_off(text: &str, key: &str) -> bool {
    // A key is only off with a `=` after it: most words are too short to hold both, and most others have no
    // `=` (DD350 and DD351 ask this of every argument of every command).
    text.len() > key.len() && memchr::memchr(b'=', text.as_bytes()).is_some() && key_off_in(text, key)
}

/// [`repo_key_off`] for a text long enough that holds a `=`.
fn key_off_in(text: &str, key: &str) -> bool {
    if !crate::lint::source::contains_ignore_ascii_case(text, key) {
        return false;
    }
    let lower = text.to_ascii_lowercase();
    lower.match_indices(key).any(|(i, _)| {
        let rest = lower.get(i + key.len()..).unwrap_or_default().trim_start();
        rest.strip_prefix('=').is_some_and(|v| {
            let v = v.trim_start().trim_start_matches(['"', '\'']);
            v.starts_with('0') || v.starts_with("false") || v.starts_with("no")
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_keys_switched_off() {
        assert!(repo_key_off("sslverify=0", "sslverify"));
        assert!(repo_key_off("echo 'SSLVerify = False' >> /etc/yum.repos.d/x.repo", "sslverify"));
        assert!(repo_key_off("repo_gpgcheck=\"no\"", "gpgcheck"));
        assert!(!repo_key_off("gpgcheck=1", "gpgcheck"));
        assert!(!repo_key_off("sslverify", "sslverify"));
        assert!(!repo_key_off("nothing here", "gpgcheck"));
    }
    use crate::lint::model::shell;

    fn operands(src: &str) -> Vec<String> {
        let script = shell::parse_script(src);
        let cmd = &script.commands[0];
        package_manager_operands(cmd.effective_name(), cmd.effective_args()).into_iter().map(String::from).collect()
    }

    #[test]
    fn option_values_are_not_subcommands() {
        assert_eq!(operands("apt-get -o Acquire::Retries=3 update"), ["update"]);
        assert_eq!(operands("apt-get -qq -o=Dpkg::Use-Pty=0 --option X=1 -t sid install a"), ["install", "a"]);
        assert_eq!(operands("apk -X http://mirror/main --no-cache add curl"), ["add", "curl"]);
        assert_eq!(operands("dnf --setopt=tsflags=nodocs --enablerepo crb -y update"), ["update"]);
    }
}
