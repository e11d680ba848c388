use crate::lint::HashMap;

use super::{Rule, declare_rule, secrets};
use crate::lint::Tag;
use crate::lint::context::Context;
use crate::lint::model::Base;
use crate::lint::parser::{Instruction, Keyword};
use crate::lint::source::{TextRange, to_u32};

declare_rule! {
    /// ## What it does
    /// Finds a `RUN` that reads a secret-looking variable (`NPM_TOKEN`,
    /// `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`, …) declared by an `ARG` or
    /// `ENV` of its stage, instead of getting it from a secret mount. A RUN
    /// whose `--mount=type=secret` provides the variable (`env=NAME`) is not
    /// reported. DL3064 reports the declaration; this rule reports each use.
    ///
    /// ## Why is this bad?
    /// A build argument used by a RUN is written into the image's history
    /// (`docker history` shows it) and into the build cache key; an `ENV`
    /// value stays in the image's config for every container. Either way the
    /// secret ships with the image. A secret mount is visible to that one
    /// RUN only and is never stored.
    ///
    /// ## Example
    /// ```dockerfile
    /// ARG NPM_TOKEN
    /// RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN \
    ///     echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci && rm .npmrc
    /// ```
    /// and build with `docker build --secret id=npm_token,env=NPM_TOKEN .`.
    pub struct SecretVariableUsedInRun { code: "DD073", name: "secret-variable-used-in-run", tag: Some(Tag::NoSecrets), severity: Warning, fix: None }
}

/// Variables that the RUN's secret mounts put in its environment.
fn mounted_envs(inst: &Instruction) -> Vec<String> {
    let mut out = Vec::new();
    for flag in inst.flags.iter().filter(|f| f.name.eq_ignore_ascii_case("mount")) {
        let Some(value) = &flag.value else { continue };
        let fields: Vec<(&str, &str)> = value.split(',').filter_map(|f| f.split_once('=')).collect();
        if !fields.iter().any(|(k, v)| k.trim() == "type" && v.trim() == "secret") {
            continue;
        }
        out.extend(fields.iter().filter(|(k, _)| k.trim() == "env").map(|(_, v)| v.trim().to_string()));
    }
    out
}

/// Byte ranges of `$name` and `${name…}` in `text`.
fn uses(text: &str, name: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(i) = text[at..].find('$').map(|i| i + at) {
        at = i + 1;
        if i > 0 && bytes[i - 1] == b'\\' {
            continue;
        }
        let rest = &text[i + 1..];
        let (inner, braced) = match rest.strip_prefix('{') {
            Some(r) => (r, true),
            None => (rest, false),
        };
        let Some(after) = inner.strip_prefix(name) else { continue };
        let next = after.chars().next();
        let ends = if braced {
            matches!(next, Some('}' | ':' | '-' | '+' | '=' | '?' | '#' | '%' | '/'))
        } else {
            !next.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        if ends {
            out.push((i, i + 1 + usize::from(braced) + name.len()));
        }
    }
    out
}

impl Rule for SecretVariableUsedInRun {
    fn check_file(&self, cx: &mut Context<'_>) {
        let (file, model) = (cx.file, cx.model);
        let mut found: Vec<(TextRange, String, &'static str)> = Vec::new();
        // Each stage's secret-looking ENV names, in order, and whether it or a stage it is built on has any:
        // a stage inherits its parents' ENV, and most chains have none to inherit, so they are not walked.
        // (Each name with its instruction, so the walk below need not ask again.)
        let own_env: Vec<Vec<(usize, &str)>> = model
            .stages
            .iter()
            .map(|st| {
                st.body
                    .clone()
                    .filter_map(|i| Some((i, file.instructions.get(i)?)))
                    .filter(|(_, inst)| inst.keyword == Keyword::Env)
                    .flat_map(|(i, inst)| inst.args.chunks(2).filter_map(move |c| Some((i, c.first()?))))
                    .map(|(i, k)| (i, k.value.as_str()))
                    .filter(|(_, name)| secrets::is_secret_name(name))
                    .collect()
            })
            .collect();
        let mut env_upto = vec![false; model.stages.len()];
        for (i, st) in model.stages.iter().enumerate() {
            let inherited = match st.base {
                Base::Stage(p) if p < i => env_upto.get(p).copied().unwrap_or(false),
                _ => false,
            };
            env_upto[i] = inherited || own_env.get(i).is_some_and(|e| !e.is_empty());
        }
        for stage in &model.stages {
            if !stage.posix_shell {
                continue;
            }
            // ENV set by the stages this one is built FROM stays in force.
            let mut declared: HashMap<String, &'static str> = HashMap::default();
            let parent_has_env = match stage.base {
                Base::Stage(p) => env_upto.get(p).copied().unwrap_or(false),
                _ => false,
            };
            if parent_has_env {
                for p in model.chain(stage.index).into_iter().skip(1).rev() {
                    for (_, name) in own_env.get(p).into_iter().flatten() {
                        declared.insert((*name).to_string(), "ENV");
                    }
                }
            }
            for i in stage.body.clone() {
                let Some(inst) = file.instructions.get(i) else { continue };
                match inst.keyword {
                    Keyword::Arg => {
                        for d in model.args_of(i) {
                            if secrets::is_secret_name(&d.name) {
                                declared.entry(d.name.clone()).or_insert("ARG");
                            }
                        }
                    }
                    Keyword::Env => {
                        // The secret-looking keys of this ENV, in order, as `own_env` found them.
                        for (_, name) in own_env.get(stage.index).into_iter().flatten().filter(|(j, _)| *j == i) {
                            declared.insert((*name).to_string(), "ENV");
                        }
                    }
                    Keyword::Run if !declared.is_empty() => {
                        let mounted = mounted_envs(inst);
                        let Some(cmd) = inst.args.first() else { continue };
                        let text = &inst.text.text;
                        let cmd_start = text.trim_end().len().saturating_sub(cmd.value.len());
                        let mut names: Vec<(&String, &&str)> = declared.iter().collect();
                        names.sort();
                        for (name, kind) in names {
                            if mounted.contains(name) {
                                continue;
                            }
                            let in_line = uses(text.get(cmd_start..).unwrap_or_default(), name)
                                .into_iter()
                                .map(|(s, e)| inst.text.to_source_range(to_u32(cmd_start + s), to_u32(cmd_start + e)));
                            let in_docs = inst.heredocs.iter().flat_map(|d| {
                                uses(&d.content, name).into_iter().map(move |(s, e)| {
                                    TextRange::new(d.body_range.start + to_u32(s), d.body_range.start + to_u32(e))
                                })
                            });
                            if let Some(range) = in_line.chain(in_docs).next() {
                                found.push((range, name.clone(), kind));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        for (range, name, kind) in found {
            let id = name.to_ascii_lowercase();
            cx.report(self, range, format!("`RUN` reads the secret-looking {kind} `{name}`, which the image keeps"))
                .help(format!(
                    "pass it as a secret: `RUN --mount=type=secret,id={id},env={name} …` with `docker build --secret id={id},env={name}`"
                ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::uses;

    #[test]
    fn variable_uses() {
        assert_eq!(uses("a $TOKEN b", "TOKEN"), [(2, 8)]);
        assert_eq!(uses("${TOKEN}x ${TOKEN:-y}", "TOKEN"), [(0, 7), (10, 17)]);
        assert!(uses("$TOKENS \\$TOKEN", "TOKEN").is_empty());
    }
}
