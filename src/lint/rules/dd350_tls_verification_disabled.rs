use super::commands::{OptSpec, RunCmd, parse_args};
use super::tool_options::repo_key_off;
use super::{Rule, declare_rule};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::parser::Keyword;
use crate::lint::source::TextRange;

declare_rule! {
    /// ## What it does
    /// Finds the switches that turn off TLS certificate verification for
    /// downloads made while building (one rule, one message per case):
    /// - `curl -k`/`--insecure`, `wget --no-check-certificate`;
    /// - pip `--trusted-host` and `PIP_TRUSTED_HOST`;
    /// - `PYTHONHTTPSVERIFY=0`, `NODE_TLS_REJECT_UNAUTHORIZED=0`,
    ///   `GIT_SSL_NO_VERIFY`, `NPM_CONFIG_STRICT_SSL=false`, set by `ENV`, `ARG`
    ///   or in a RUN (`export`, `VAR=… cmd`);
    /// - `npm`/`yarn`/`pnpm config set strict-ssl false` and `--strict-ssl=false`;
    /// - `git config http.sslVerify false` and `git -c http.sslVerify=false`;
    /// - `sslverify=0` (or `false`/`no`) for yum, dnf and zypper repositories,
    ///   as an option or written into a repository file.
    ///
    /// Commands are read from the shell syntax tree (argv), so the words must
    /// be arguments of the command, not text in a comment or an unrelated
    /// string. Checkov's `CKV2_DOCKER_2` to 6 and 12 to 16 cover the same cases.
    ///
    /// ## Why is this bad?
    /// Without certificate checks anyone on the network path (a proxy, a
    /// compromised mirror, a hostile Wi-Fi) can swap what the build downloads,
    /// and whatever they serve is baked into the image and runs in production.
    /// A variable set by `ENV` also stays on in the running container.
    ///
    /// ## Example
    /// ```dockerfile
    /// ENV NODE_TLS_REJECT_UNAUTHORIZED=0
    /// RUN curl -k https://example.com/tool.tar.gz | tar -xz
    /// RUN pip install --trusted-host pypi.example.com app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// COPY corp-ca.crt /usr/local/share/ca-certificates/
    /// RUN update-ca-certificates
    /// RUN curl -fsSL https://example.com/tool.tar.gz | tar -xz
    /// RUN pip install app
    /// ```
    pub struct TlsVerificationDisabled { code: "DD350", name: "tls-verification-disabled", tag: Some(Tag::DeterministicDeps), severity: Error, fix: None }
}

/// curl options that take a value.
const CURL: OptSpec<'static> = OptSpec {
    short: "AbcCdDeEFHKmoPQrtTuUwxXyYz",
    long: &[
        "output",
        "header",
        "data",
        "data-raw",
        "data-binary",
        "user",
        "request",
        "user-agent",
        "referer",
        "form",
        "upload-file",
        "write-out",
        "proxy",
        "cookie",
        "cookie-jar",
        "continue-at",
        "max-time",
        "range",
        "cert",
        "config",
        "quote",
        "telnet-option",
        "proxy-user",
        "speed-limit",
        "speed-time",
        "time-cond",
        "ftp-port",
        "dump-header",
        "connect-timeout",
        "retry",
        "cacert",
        "capath",
        "resolve",
        "output-dir",
        "url",
    ],
};

/// Environment variables that switch verification off, with the values that do it
/// (`None`: any value).
const VARS: &[(&str, Option<&[&str]>, &str)] = &[
    ("PYTHONHTTPSVERIFY", Some(&["0"]), "turns off certificate checks in Python's `urllib`/`http.client`"),
    ("NODE_TLS_REJECT_UNAUTHORIZED", Some(&["0"]), "turns off certificate checks in Node.js"),
    ("GIT_SSL_NO_VERIFY", None, "turns off certificate checks in git"),
    ("PIP_TRUSTED_HOST", None, "makes pip accept any certificate (and plain HTTP) from these hosts"),
    ("NPM_CONFIG_STRICT_SSL", Some(&["false", "0", "no"]), "turns off certificate checks in npm"),
    ("YARN_STRICT_SSL", Some(&["false", "0", "no"]), "turns off certificate checks in yarn"),
    ("YARN_ENABLE_STRICT_SSL", Some(&["false", "0", "no"]), "turns off certificate checks in yarn"),
];

const HELP_CA: &str = "trust the needed CA instead (`COPY ca.crt /usr/local/share/ca-certificates/` then `RUN update-ca-certificates`), and keep verification on";

/// What a `NAME=value` setting does, if it disables verification.
fn var_effect(name: &str, value: &str) -> Option<&'static str> {
    let value = value.trim_matches(['"', '\'']);
    VARS.iter().find_map(|(n, bad, what)| {
        let hit = n.eq_ignore_ascii_case(name)
            && match bad {
                None => !value.is_empty(),
                Some(vals) => vals.iter().any(|v| v.eq_ignore_ascii_case(value)),
            };
        hit.then_some(*what)
    })
}

/// The finding for one command, if it disables verification: the word to
/// point at and the message.
fn check_command(c: &RunCmd<'_>) -> Vec<(TextRange, String, &'static str)> {
    let mut out = Vec::new();
    let name = c.name();
    let args = c.args();
    // Variables set for this command, or exported.
    for w in c.cmd.assignments.iter().chain(if name == "export" || name == "env" { args } else { &[] }) {
        if let Some((k, v)) = w.text.split_once('=')
            && let Some(what) = var_effect(k, v)
        {
            out.push((c.word_range(w), format!("`{k}={v}` {what}"), HELP_CA));
        }
    }
    match name {
        "curl" => {
            let parsed = parse_args(args, CURL);
            if let Some(o) = parsed.opts.iter().find(|o| matches!(o.name, "k" | "insecure" | "proxy-insecure")) {
                let flag = if o.name == "k" { "-k".to_owned() } else { format!("--{}", o.name) };
                out.push((
                    c.word_range(o.word),
                    format!("`curl {flag}` turns off TLS certificate verification"),
                    HELP_CA,
                ));
            }
        }
        "wget" => {
            if let Some(w) = args.iter().find(|w| w.text == "--no-check-certificate") {
                out.push((
                    c.word_range(w),
                    "`wget --no-check-certificate` turns off TLS certificate verification".to_owned(),
                    HELP_CA,
                ));
            }
        }
        "npm" | "yarn" | "pnpm" => {
            let words: Vec<&str> = args.iter().map(|w| w.text.as_str()).collect();
            let set = words.windows(4).position(|w| {
                w[0] == "config" && w[1] == "set" && w[2].eq_ignore_ascii_case("strict-ssl") && w[3] == "false"
            });
            let set = set.or_else(|| {
                words
                    .windows(3)
                    .position(|w| w[0] == "set" && w[1].eq_ignore_ascii_case("strict-ssl") && w[2] == "false")
            });
            if let Some(w) = set.and_then(|i| args.get(i)) {
                out.push((
                    c.word_range(w),
                    format!("`{name} config set strict-ssl false` turns off TLS certificate verification"),
                    HELP_CA,
                ));
            } else if let Some(w) = args.iter().find(|w| w.text.eq_ignore_ascii_case("--strict-ssl=false")) {
                out.push((
                    c.word_range(w),
                    format!("`{name} --strict-ssl=false` turns off TLS certificate verification"),
                    HELP_CA,
                ));
            }
        }
        "git" => {
            let words: Vec<&str> = args.iter().map(|w| w.text.as_str()).collect();
            for (i, w) in args.iter().enumerate() {
                let t = w.text.to_ascii_lowercase();
                let via_c = t == "http.sslverify=false" && i > 0 && words.get(i - 1) == Some(&"-c");
                let via_config = t == "http.sslverify"
                    && words.get(i + 1).is_some_and(|v| v.eq_ignore_ascii_case("false"))
                    && words.contains(&"config");
                if via_c || via_config {
                    out.push((
                        c.word_range(w),
                        "git's `http.sslVerify false` turns off TLS certificate verification".to_owned(),
                        HELP_CA,
                    ));
                }
            }
        }
        _ => {}
    }
    if let Some(pip) = c.pip_args() {
        if let Some(w) = pip.iter().find(|w| w.text == "--trusted-host" || w.text.starts_with("--trusted-host=")) {
            out.push((
                c.word_range(w),
                "pip `--trusted-host` accepts any certificate, or plain HTTP, from that host".to_owned(),
                "remove `--trusted-host`; trust the index's CA with `PIP_CERT` or the system store",
            ));
        } else if let Some(i) = pip.windows(2).position(|w| w[0].text == "set" && w[1].text.ends_with(".trusted-host"))
        {
            out.push((
                c.word_range(&pip[i + 1]),
                "pip's `trusted-host` setting accepts any certificate, or plain HTTP, from that host".to_owned(),
                "remove the setting; trust the index's CA with `PIP_CERT` or the system store",
            ));
        }
    }
    // `sslverify=0` for yum/dnf/zypper, as an option or as repository text.
    // (git's `http.sslVerify` is reported above.)
    if let Some(w) = args.iter().find(|w| name != "git" && repo_key_off(&w.text, "sslverify")) {
        out.push((
            c.word_range(w),
            "`sslverify` off turns off TLS certificate verification for a package repository".to_owned(),
            "keep `sslverify=1` and add the repository's CA to the system store",
        ));
    }
    out
}

impl Rule for TlsVerificationDisabled {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        for (i, top) in file.instructions.iter().enumerate() {
            let inst = top.effective();
            match inst.keyword {
                Keyword::Env => {
                    for p in inst.args.chunks(2) {
                        if let [k, v] = p {
                            self.check_var(cx, "ENV", &k.value, &v.value, k.range.cover(v.range));
                        }
                    }
                }
                Keyword::Arg => {
                    let decls = model.effective_args_of(top, i);
                    for d in decls.iter() {
                        if let (Some(v), Some(range)) = (&d.default, d.default_range) {
                            self.check_var(cx, "ARG", &d.name, v, range);
                        }
                    }
                }
                _ => {}
            }
        }
        for run in cx.run_scripts().iter() {
            for c in run.commands() {
                for (range, message, help) in check_command(c) {
                    cx.report(self, range, message).help(help);
                }
            }
        }
    }
}

impl TlsVerificationDisabled {
    /// Reports `k=v` set by `kw` (ENV or ARG) when it switches verification off.
    fn check_var(self, cx: &mut Context<'_>, kw: &str, k: &str, v: &str, range: TextRange) {
        if let Some(what) = var_effect(k, v) {
            cx.report(&self, range, format!("`{k}={v}` in {kw} {what}")).help(HELP_CA);
        }
    }
}
