//! Property tests: the parsers and the whole engine never panic, and every span
//! they hand out lies inside the input on character boundaries.

use drydock::lint::diagnostic::apply_safe_fixes;
use drydock::lint::parser::{dockerignore, parse};
use drydock::lint::source::TextRange;
use drydock::lint::{ContextIgnore, FileKind, LintInput, Settings, check};
use proptest::prelude::*;

fn valid(src: &str, r: TextRange) -> bool {
    (r.end as usize) <= src.len()
        && r.start <= r.end
        && src.is_char_boundary(r.start as usize)
        && src.is_char_boundary(r.end as usize)
}

/// Dockerfile-shaped text: keywords, flags, quotes, escapes, heredocs, JSON,
/// continuations, comments, CRLF and non-ASCII, in random order.
fn dockerfile_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("FROM ".to_string()),
        Just("from ".to_string()),
        Just("RUN ".to_string()),
        Just("COPY ".to_string()),
        Just("ADD ".to_string()),
        Just("ENV ".to_string()),
        Just("ARG ".to_string()),
        Just("LABEL ".to_string()),
        Just("USER ".to_string()),
        Just("ONBUILD ".to_string()),
        Just("HEALTHCHECK ".to_string()),
        Just("CMD ".to_string()),
        Just("--mount=type=cache,target=/x ".to_string()),
        Just("--from=build ".to_string()),
        Just("--link ".to_string()),
        Just("<<EOF".to_string()),
        Just("<<-'EOT' ".to_string()),
        Just("EOF".to_string()),
        Just("[\"a\", \"b\"]".to_string()),
        Just("[ \"x".to_string()),
        Just("a=1 b=\"two words\" c= ".to_string()),
        Just("${A:-x}".to_string()),
        Just("$B ".to_string()),
        Just(" \\\n".to_string()),
        Just(" `\n".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("# comment\n".to_string()),
        Just("# escape=`\n".to_string()),
        Just("# hadolint ignore=DL3006\n".to_string()),
        Just("apt-get install -y curl && pip install x | sh ".to_string()),
        Just("alpine:3.20@sha256:0123 ".to_string()),
        Just(" AS stage ".to_string()),
        Just("é☃ ".to_string()),
        Just("\t".to_string()),
        "[a-z/.:=@ -]{0,12}",
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn dockerfile_parser_never_panics_and_spans_are_valid(src in "\\PC{0,400}") {
        let (file, issues) = parse(&src);
        for inst in &file.instructions {
            prop_assert!(valid(&src, inst.range));
            for a in &inst.args { prop_assert!(valid(&src, a.range)); }
            for f in &inst.flags { prop_assert!(valid(&src, f.range)); }
        }
        for i in issues { prop_assert!(valid(&src, i.range)); }
    }

    #[test]
    fn structured_dockerfiles_parse_with_valid_spans(src in dockerfile_like()) {
        let (file, _) = parse(&src);
        for inst in &file.instructions {
            prop_assert!(valid(&src, inst.range));
            prop_assert!(inst.start_line <= inst.end_line);
            for a in &inst.args { prop_assert!(valid(&src, a.range)); }
            for f in &inst.flags {
                prop_assert!(valid(&src, f.range));
                if let Some(v) = f.value_range { prop_assert!(valid(&src, v)); }
            }
            for h in &inst.heredocs { prop_assert!(valid(&src, h.body_range)); }
        }
    }

    #[test]
    fn the_whole_engine_never_panics(src in dockerfile_like(), ignore in "[a-z.!*/#\\n ]{0,40}") {
        let input = LintInput { path: "Dockerfile", source: &src, kind: FileKind::Dockerfile, dockerignore: ContextIgnore::Present(&ignore), target: None };
        let diags = check(&input, &Settings::default());
        for d in &diags {
            prop_assert!(valid(&src, d.range), "{} {:?}", d.code, d.range);
        }
        let (fixed, _) = apply_safe_fixes(&src, &diags);
        let again = check(&LintInput { source: &fixed, ..input }, &Settings::default());
        prop_assert!(again.iter().all(|d| valid(&fixed, d.range)));
    }

    #[test]
    fn dockerignore_parser_never_panics(src in "\\PC{0,300}", path in "[a-z./*]{0,20}") {
        let ignore = dockerignore::parse(&src);
        let _ = ignore.excludes(&path);
        let diags = check(&LintInput { path: ".dockerignore", source: &src, kind: FileKind::DockerIgnore, dockerignore: ContextIgnore::Unknown, target: None }, &Settings::default());
        prop_assert!(diags.iter().all(|d| valid(&src, d.range)));
    }
}

/// Shell-shaped text: the constructs brush-parser has hung, backtracked or
/// overflowed on (heredoc operators and odd delimiters, CR, runs of `(`, `$(`
/// and `$((`, blanks), among ordinary words and operators.
fn shell_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("(".to_string()),
        Just(")".to_string()),
        Just("$(".to_string()),
        Just("$((".to_string()),
        Just("<<".to_string()),
        Just("<<-".to_string()),
        Just("<<<".to_string()),
        Just("\r".to_string()),
        Just("\n".to_string()),
        Just(" ".to_string()),
        Just("  ".to_string()),
        Just("\\\n".to_string()),
        Just("EOF".to_string()),
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("`".to_string()),
        Just("${".to_string()),
        Just("}".to_string()),
        Just("&&".to_string()),
        Just("|".to_string()),
        Just(";".to_string()),
        Just("sh -c ".to_string()),
        Just("if ".to_string()),
        Just("case ".to_string()),
        Just("do ".to_string()),
        Just("99999999999".to_string()),
        Just("~".to_string()),
        Just("apt-get install -y ".to_string()),
        "[a-z0-9=./-]{1,6}",
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// `check` on a RUN (shell form, heredoc and ONBUILD) holding random
    /// shell-ish text finishes quickly (a hang fails the case instead of
    /// stalling the suite) and every finding's span lies on the file.
    #[test]
    fn check_terminates_with_valid_spans_on_shell_like_run(script in shell_like()) {
        let src = format!("FROM a\nRUN {script}\nRUN <<EOF\n{script}\nEOF\nONBUILD RUN {script}\n");
        let (tx, rx) = std::sync::mpsc::channel();
        let owned = src.clone();
        std::thread::spawn(move || {
            let diags = check(&LintInput::dockerfile("Dockerfile", &owned), &Settings::default());
            let _ = tx.send(diags.iter().all(|d| valid(&owned, d.range)));
        });
        match rx.recv_timeout(std::time::Duration::from_secs(20)) {
            Ok(spans_valid) => prop_assert!(spans_valid, "a finding's span is off the file on {src:?}"),
            Err(e) => prop_assert!(false, "check did not finish on {src:?}: {e}"),
        }
    }
}

/// Regression (found by the property above): a RUN whose heredoc operator is
/// followed by `(` and an unclosed quote gave a finding whose span ran past the
/// end of the file (the shell model appends heredoc terminators to the script).
#[test]
fn heredoc_operator_before_open_paren_keeps_spans_valid() {
    let src = "FROM a\nRUN <<(apt-get install -y '\nRUN <<EOF\n<<(apt-get install -y '\nEOF\nONBUILD RUN <<(apt-get install -y '\n";
    let diags = check(&LintInput::dockerfile("Dockerfile", src), &Settings::default());
    assert!(diags.iter().all(|d| valid(src, d.range)), "{diags:#?}");
}
