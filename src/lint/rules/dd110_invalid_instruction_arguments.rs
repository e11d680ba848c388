use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};
use crate::lint::source::TextRange;

declare_rule! {
    /// ## What it does
    /// Finds instructions that `BuildKit`'s parser accepts but its
    /// instruction checks then reject, failing the build:
    ///
    /// - a flag the instruction does not have (`COPY --chmown`, `CMD
    ///   --port 80`: a leading `--word` is always read as a flag), a flag
    ///   given twice (except `--mount` and `--exclude`), a flag that needs a
    ///   value without one (`HEALTHCHECK --interval CMD …`, `COPY --from /a
    ///   /b`), a boolean flag with a value other than `true`/`false`;
    /// - `HEALTHCHECK` durations that are not Go durations (`--interval=30`
    ///   needs a unit: `30s`) or are negative, `--retries` that is not a
    ///   non-negative whole number, a type other than `CMD`/`NONE`, `NONE`
    ///   with arguments, `CMD` without a command;
    /// - `COPY`/`ADD` without both a source and a destination, `FROM` with
    ///   no image, two or more than three words or a second word that is not
    ///   `AS`, and `EXPOSE`, `VOLUME`, `ARG`, `ENV`, `LABEL`, `WORKDIR`,
    ///   `USER`, `STOPSIGNAL`, `MAINTAINER`, `SHELL` or `ONBUILD` with no
    ///   argument;
    /// - `SHELL` not in JSON form.
    ///
    /// ## Why is this bad?
    /// `docker build` stops at the instruction with an error; drydock reports
    /// it before anyone waits for a build. dockerfilelint called some of these
    /// `healthcheck_options_missing_args`, `add_src_invalid`, `missing_args`
    /// and `extra_args`.
    ///
    /// ## Example
    /// ```dockerfile
    /// HEALTHCHECK --interval=30 --retries CMD curl -f http://localhost/
    /// COPY app.py
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/
    /// COPY app.py /app/
    /// ```
    pub struct InvalidInstructionArguments { code: "DD110", name: "invalid-instruction-arguments", tag: None, severity: Error, fix: None }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    String,
    Strings,
}

/// The flags `BuildKit` defines for an instruction (Dockerfile frontend 1.x,
/// labs flags included so that they are not taken for typos).
fn known_flags(keyword: Keyword) -> &'static [(&'static str, Kind)] {
    use Kind::{Bool, String, Strings};
    match keyword {
        Keyword::From => &[("platform", String)],
        Keyword::Copy => &[
            ("from", String),
            ("chown", String),
            ("chmod", String),
            ("link", Bool),
            ("parents", Bool),
            ("exclude", Strings),
        ],
        Keyword::Add => &[
            ("chown", String),
            ("chmod", String),
            ("link", Bool),
            ("keep-git-dir", Bool),
            ("checksum", String),
            ("unpack", Bool),
            ("parents", Bool),
            ("exclude", Strings),
        ],
        Keyword::Run => &[("mount", Strings), ("network", String), ("security", String), ("device", Strings)],
        Keyword::Healthcheck => &[
            ("interval", String),
            ("timeout", String),
            ("start-period", String),
            ("start-interval", String),
            ("retries", String),
        ],
        _ => &[],
    }
}

/// Go's `time.ParseDuration`: `0`, or an optionally signed sequence of
/// decimal numbers each with a unit. Returns whether the duration is negative.
fn parse_duration(s: &str) -> Option<bool> {
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(false);
    }
    if rest.is_empty() {
        return None;
    }
    let mut chars = rest.chars().peekable();
    let mut nonzero = false;
    while chars.peek().is_some() {
        let mut digits = 0;
        let mut dot = false;
        while let Some(&c) = chars.peek() {
            if c.is_ascii_digit() {
                digits += 1;
                nonzero |= c != '0';
            } else if c == '.' && !dot {
                dot = true;
            } else {
                break;
            }
            chars.next();
        }
        if digits == 0 {
            return None;
        }
        let mut unit = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_digit() || c == '.' {
                break;
            }
            unit.push(c);
            chars.next();
        }
        if !matches!(unit.as_str(), "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h") {
            return None;
        }
    }
    Some(negative && nonzero)
}

fn check_flags(inst: &Instruction, out: &mut Vec<(TextRange, String, String)>) {
    let known = known_flags(inst.keyword);
    // An instruction has few flags: a list is cheaper than a set.
    let mut seen: Vec<&str> = Vec::new();
    let kw = inst.keyword.as_str();
    for flag in &inst.flags {
        let name = flag.name.as_str();
        let Some(&(_, kind)) = known.iter().find(|(n, _)| *n == name) else {
            let help = if known.is_empty() {
                format!("`{kw}` takes no flags; a leading `--word` is always read as one")
            } else {
                let names: Vec<String> = known.iter().map(|(n, _)| format!("`--{n}`")).collect();
                format!("`{kw}` knows {}", names.join(", "))
            };
            out.push((flag.range, format!("`{kw}` has no flag `--{name}`"), help));
            continue;
        };
        if kind != Kind::Strings {
            if seen.contains(&name) {
                out.push((
                    flag.range,
                    format!("`--{name}` is given twice"),
                    "give the flag once; BuildKit rejects the repeat".into(),
                ));
                continue;
            }
            seen.push(name);
        }
        match (kind, flag.value.as_deref()) {
            (Kind::Bool, Some(v)) if !(v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false")) => {
                out.push((
                    flag.range,
                    format!("`--{name}` expects `true` or `false`, not `{v}`"),
                    format!("write `--{name}` (or `--{name}=false`)"),
                ));
            }
            (Kind::String | Kind::Strings, None) => {
                out.push((
                    flag.range,
                    format!("`--{name}` has no value"),
                    format!("write the value after `=`: `--{name}=<value>`"),
                ));
            }
            _ => {}
        }
    }
    if inst.keyword == Keyword::Healthcheck {
        for flag in &inst.flags {
            let Some(value) = flag.value.as_deref().filter(|v| !v.is_empty()) else { continue };
            let name = flag.name.as_str();
            match name {
                "interval" | "timeout" | "start-period" | "start-interval" => match parse_duration(value) {
                    None => out.push((
                        flag.range,
                        format!("`--{name}={value}` is not a duration"),
                        "give a number with a unit, such as `30s`, `1m30s` or `500ms`".into(),
                    )),
                    Some(true) => out.push((
                        flag.range,
                        format!("`--{name}={value}` is negative"),
                        "give a positive duration such as `30s`".into(),
                    )),
                    Some(false) => {}
                },
                "retries" if value.parse::<i64>().map_or(true, |n| n < 0) => out.push((
                    flag.range,
                    format!("`--retries={value}` is not a non-negative whole number"),
                    "give a count such as `--retries=3`".into(),
                )),
                _ => {}
            }
        }
    }
}

fn check_args(inst: &Instruction, out: &mut Vec<(TextRange, String, String)>) {
    let kw = inst.keyword.as_str();
    let whole = inst.name_range.cover(inst.args.last().map_or(inst.name_range, |a| a.range));
    match inst.keyword {
        Keyword::Copy | Keyword::Add if inst.args.len() < 2 => out.push((
            whole,
            format!("`{kw}` needs a source and a destination"),
            format!("name the destination last: `{kw} <source>… <destination>`"),
        )),
        Keyword::From => match inst.args.as_slice() {
            [] => out.push((
                inst.name_range,
                "`FROM` needs an image".into(),
                "write `FROM <image>` (or `FROM scratch`)".into(),
            )),
            [_] => {}
            [_, as_kw, _] if as_kw.value.eq_ignore_ascii_case("as") => {}
            [_, second, _] => out.push((
                second.range,
                format!("`FROM` expects `AS` before the stage name, not `{}`", second.value),
                "write `FROM <image> AS <name>`".into(),
            )),
            _ => out.push((
                whole,
                "`FROM` takes an image and an optional `AS <name>`".into(),
                "write `FROM <image> AS <name>`, with no other words".into(),
            )),
        },
        Keyword::Expose
        | Keyword::Volume
        | Keyword::Arg
        | Keyword::Onbuild
        | Keyword::Env
        | Keyword::Label
        | Keyword::Workdir
        | Keyword::User
        | Keyword::Stopsignal
        | Keyword::Maintainer
        | Keyword::Shell
            if inst.args.is_empty() && inst.sub.is_none() =>
        {
            out.push((
                inst.name_range,
                format!("`{kw}` needs at least one argument"),
                format!("give `{kw}` its argument, or delete the line"),
            ));
        }
        Keyword::Shell if !inst.json && !inst.args.is_empty() => out.push((
            whole,
            "`SHELL` must be written in JSON form".into(),
            "write it as an array: `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]`".into(),
        )),
        Keyword::Healthcheck => {
            let Some(first) = inst.args.first() else {
                out.push((
                    inst.name_range,
                    "`HEALTHCHECK` needs `CMD <command>` or `NONE`".into(),
                    "write `HEALTHCHECK CMD <command>`".into(),
                ));
                return;
            };
            match first.value.to_ascii_uppercase().as_str() {
                "NONE" if inst.args.len() > 1 || !inst.flags.is_empty() => out.push((
                    whole,
                    "`HEALTHCHECK NONE` takes no arguments".into(),
                    "write `HEALTHCHECK NONE` alone".into(),
                )),
                "CMD" if inst.args.len() < 2 => {
                    out.push((whole, "`HEALTHCHECK CMD` has no command".into(), "give the command after `CMD`".into()));
                }
                "NONE" | "CMD" => {}
                other => out.push((
                    first.range,
                    format!("`HEALTHCHECK` type `{other}` is unknown"),
                    "write `HEALTHCHECK CMD <command>` or `HEALTHCHECK NONE`".into(),
                )),
            }
        }
        _ => {}
    }
}

impl Rule for InvalidInstructionArguments {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        let mut found = Vec::new();
        if inst.keyword != Keyword::Unknown {
            check_flags(inst, &mut found);
            check_args(inst, &mut found);
        }
        if let Some(sub) = inst.sub.as_deref()
            && sub.keyword != Keyword::Unknown
        {
            check_flags(sub, &mut found);
            check_args(sub, &mut found);
        }
        for (range, message, help) in found {
            cx.report(self, range, message).help(help);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn go_durations() {
        for ok in ["0", "30s", "1m30s", "1.5h", "500ms", "10us", "+5s", ".5s"] {
            assert_eq!(parse_duration(ok), Some(false), "{ok}");
        }
        assert_eq!(parse_duration("-5s"), Some(true));
        assert_eq!(parse_duration("-0s"), Some(false));
        for bad in ["30", "", "s", "1d", "5 s", "1m30"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
