//! Which options of the package managers take a value, one table per tool,
//! shared by every rule that reads that tool's arguments. A table lists the
//! union of what the tool accepts, so no rule takes an option's value for a
//! package name.

use super::commands::OptSpec;

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
