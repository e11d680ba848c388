//! The fast path against the brush path: for every script the fast path
//! reads, both must give the same [`Script`], field by field.

use super::*;

/// Parses `src` both ways; returns whether the fast path read it. Panics (with
/// both scripts) when they differ.
fn same(src: &str) -> bool {
    let fast = parse_with(src, &[], true);
    let brush = parse_with(src, &[], false);
    assert_eq!(fast, brush, "fast and brush paths differ on {src:?}");
    guard(src).is_none() && fast::parse(src).is_some()
}

#[test]
fn hand_written_cases_match_brush() {
    let fast = CASES.iter().filter(|src| same(src)).count();
    // Most of them are what the fast path is for.
    assert!(fast * 2 > CASES.len(), "only {fast} of {} cases took the fast path", CASES.len());
}

#[test]
fn common_shapes_take_the_fast_path() {
    for src in [
        "apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*",
        "set -eux; pip install --no-cache-dir -r requirements.txt",
        "curl -fsSL https://x/install.sh | bash -s -- -y",
        "X=1 make -j\"$(nproc)\" 2>&1 | tee log".replace("$(nproc)", "$N").as_str(),
        "echo 'héllo' \"${HOME}/x\" ~/.cache >> /etc/y 2>/dev/null || true",
        "sh -c 'apt-get update && apt-get install -y x'",
        "make -j\"$(nproc)\" && ARCH=$(uname -m) && echo \"$(cat /x | tr a b)\" > $(mktemp)",
        "(cd x && make)",
        "case x in a) b;; esac",
        "a & b",
        "dpkgArch=\"$(dpkg --print-architecture)\"; case \"$dpkgArch\" in amd64 | arm64) a ;; 'x86') b; c ;; *) d ;; esac",
        "{ echo; }",
        "if a; then b; fi",
        "for x in a b; do echo $x; done",
        "set -eux; if [ \"$A\" = x ]; then a | b; elif c; then d; else e || f; fi && while read l; do g; done < /x",
        "if ! getent group app; then groupadd app; fi",
        "! grep -q x /etc/y && echo ok || ! a | b",
    ] {
        assert!(same(src), "{src:?} took the brush path");
    }
    for src in [
        "echo `date`",
        "echo $(a # c\n)",
        "echo $( (a) )",
        "( (a) )",
        "cat <<EOF\nx\nEOF",
        "diff <(a) <(b)",
        "echo $((1+2))",
        "a &&",
        "| a",
        "! ! a",
        "!",
        "a; !",
        "!(a)",
        "a | ! b",
    ] {
        assert!(!same(src), "{src:?} took the fast path");
    }
}

const CASES: &[&str] = &[
    "echo hi",
    "apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
    "a || b && c | d | e; f\ng",
    "X=1 Y=\"a b\" make -j4 >/dev/null 2>&1",
    "echo 'a b' \"c d\" e\\ f \"g\\\"h\" \"i\\j\" 'k\\l'",
    "echo $HOME ${V:-x} \"$A/b\" ${#X} $1 $@ $? $$ ${A:-${B}}",
    "echo ~ ~/x ~root a~b x=~/y",
    "X=1",
    "X=1 Y=2",
    ">x",
    "2>/dev/null cmd",
    "cmd 2> err 1>out <in 3<>f >|c 0<&3 >&2 &>all &>>log",
    "echo a # comment\necho b",
    "# only\n\necho c\n\n",
    "a &&\n  b ||\n\n c |\n d",
    "find . -name '*.pyc' -exec rm {} \\;",
    "find . -exec rm {} +",
    "echo héllo wörld 'ünï' \"日本\" \\é",
    "echo a\r\necho b",
    "echo $ a$ $/ \"$\" \"a$\"",
    "export A=1 B=\"x\"; local c=2",
    "sh -c 'apt-get update && apt-get install -y x' && bash -ec \"echo hi | cat\"",
    "sh -c \"echo \\\"q\\\"\"",
    "echo a;echo b;",
    "echo a;#c\necho b",
    "echo a#b #c",
    "echo {a,b} a{1..3} x}",
    "echo *.txt a?b [ab] a[1]",
    "echo a=b c=d",
    "\"A\"=1 cmd",
    "A+=1 cmd",
    "echo \"a\nb\"",
    "echo 'a\nb'",
    "echo $'a\\nb'",
    "echo $\"x\"",
    "echo -- --x=y",
    "2>&1 a",
    "a 2>&1 | b",
    "a >& file",
    "a >&-",
    "a 1>&2",
    "a &>/dev/null",
    "a 10>x",
    "  echo indent  ",
    "\techo tab",
    "echo \"${A:-x}\" \"${A}b\"",
    "echo \"\\$HOME\" \\$HOME",
    "echo \"a\\\\b\"",
    "echo \\\\",
    "echo a\\\\ b",
    "echo '' \"\" x''y",
    "a=b",
    "a= b",
    "_x=1 __y=2 z",
    "1a=2 b",
    "echo done fi then",
    "echo !",
    "! echo",
    "if true; then echo; fi",
    "{ echo; }",
    "time make",
    "echo && ",
    "echo |",
    "; echo",
    "echo ;;",
    "echo & echo",
    "a | b || c && d",
    "a\n\nb",
    "a\\\nb",
    "echo \"$@\" \"$*\" \"$1x\"",
    "cd /x && ./configure --prefix=/usr CFLAGS=\"-O2 -g\" && make",
    "curl -fsSL https://x | bash -s -- -y",
    "pip install --no-cache-dir -r requirements.txt",
    "echo ${A/b/c} ${A%%.*} ${A#*/} ${A:0:3}",
    "echo ${A}${B}",
    "useradd -m -s /bin/bash user && echo 'user ALL=(ALL) NOPASSWD:ALL' >> /etc/sudoers",
    "echo \"a 'b' c\" 'a \"b\" c'",
    "a=1 b=2",
    "npm ci --only=production",
    "echo -e \"\\n\\t\"",
    "echo \"\\a\\b\"",
    "echo \\'",
    "echo \"it's\"",
    "set -eux; \\\n  apt-get update",
    "set -o pipefail && a | b",
    "ln -sf /dev/stdout /var/log/x.log",
    "echo $A_B-c ${A-b} ${A=b} ${A?e} ${!A}",
    "echo $-x $#x $!",
    "command -v x || exit 1",
    "a && b # comment && c",
    "a &&# comment\nb",
    "echo}",
    "x y z }",
    "[ -f x ] && echo",
    "test -d /x || mkdir -p /x",
    "echo \"${A:-\"x\"}\"",
    "echo \"$(date)\"",
    "echo `date`",
    "echo a\\ ",
    "echo \\",
    "echo \\\r",
    "echo \"unterminated",
    "echo 'unterminated",
    "echo ${unterminated",
    "echo a>b<c",
    "a>b",
    "2 >x",
    "a2>x",
    "echo 2&>x",
    "coproc x",
    "select x",
    "function",
    "in x",
    "[[ -f x ]]",
    "echo a\r",
    "echo 'a\r\nb'",
    "a\r\n",
    "apt-get update \r\n && apt-get install -y x\r\n",
    "echo \"\\\r\"",
    "echo \u{0} \u{7f} \u{feff}x",
    "é=1 cmd",
    "A=é B='日 本' C=\"ü\" cmd ünï",
    "echo 日本>ファイル 2>>エラー",
    "echo ${日本}",
    "echo $é",
    "echo \"$é\"",
    "echo ${A:-é}",
    "sh -c \"a && b\" | sh -c 'c | d' || bash -c \"e\\\"f\\\" g\"",
    "sudo -u x bash -lc 'cd /x && make'",
    "sh -c",
    "sh -c ''",
    "sh -c '   '",
    "sh -c 'if x; then y; fi'",
    "sh -c 'a $(b)'",
    "sh -c \"a \\$(b)\"",
    "env A=1 sh -c 'x'",
    "#!/bin/sh\nset -e\necho hi",
    "a # c1\n# c2\n\n  # c3\nb",
    "a ; b",
    "a;;b",
    "a&&b||c|d",
    "a &&\n\n# c\n b",
    "a |\n b",
    "a\n|| b",
    "a\n&& b",
    "&& a",
    "a && && b",
    "a | | b",
    "a || ",
    ">",
    "> ;",
    "a >",
    "a >&",
    "a 2>&",
    "a < #x",
    "a >x#y",
    "a 0>x 9<y 123>z",
    "a 2147483647>x",
    "a 999999999>x",
    "a >>'q x' <\"y z\" 2>$LOG",
    "a >\\x",
    "a 2>&1>x",
    "a >&1 2>&1 <&0",
    "a <&-",
    "a >|x <>y",
    "x= y= z",
    "A=1 B=2 >x C=3 cmd D=4",
    ">x A=1",
    "A=1 if",
    "A=1 !",
    "A=1 {",
    "A[1]=x cmd",
    "A+=x",
    "a=b=c d",
    "=a b",
    "'a'=b c",
    "a\\=b c",
    "echo a\\\"b",
    "echo \"a\\'b\"",
    "echo \"a\\\nb\"",
    "echo \"$\"",
    "echo \"$ \" '$' $",
    "echo a$",
    "echo \"${A}\"'${B}'${C}",
    "echo ${A:-'x'}",
    "echo ${A:-\\x}",
    "echo ${A:-$(x)}",
    "echo ${A:-`x`}",
    "echo ${A:-${B:-${C}}}",
    "echo ${A:-{x}}",
    "echo ${A:-x} }",
    "echo ${",
    "echo ${}",
    "echo $[1+2]",
    "echo $((1))",
    "echo $((",
    "echo $(",
    "echo ~+ ~- ~user/x a=~ :~",
    "echo ~'x' ~\"y\" ~\\z",
    "echo \\~",
    "echo *",
    "echo @(a|b)",
    "echo !(x)",
    "echo a!b !",
    "echo '#' \\# \"#\" a# #b",
    "echo \"a#b\"#c",
    "#",
    "# c \\\necho x",
    "\n\n\n",
    " ",
    "",
    ";",
    "echo; ",
    "echo ;\n",
    "echo\t\ta\t",
    "echo\u{a0}a",
    "echo \u{2028}",
    "echo \\\u{e9}",
    "echo \"\\\u{e9}\"",
    "exec \"$@\"",
    "export PATH=\"/x:$PATH\"",
    "export A",
    "declare -a x",
    "readonly A=1",
    "local x=\"y z\"",
    "typeset -i n=1",
    "alias ll='ls -l'",
    "eval \"x\"",
    "echo then else elif fi do done case esac while until for in select function time coproc",
    "then",
    "done",
    "esac",
    "in",
    "}",
    "]]",
    "[[",
    "!",
    "!x",
    "x!",
    "{x",
    "{x}",
    "{}",
    "echo {}",
    "+;&>a",
    "a;&b",
    "a;;&b",
    "a &&>x b",
    "a ||>x b",
    "a |>x b",
    ">\\$'\\'",
    "echo \\$'x' \\$\"y\" \\$(z) \\${w} \\$[v]",
    "echo \"\\$(z)\" \"\\${w}\"",
    "echo \"$$(\" $${ $$[ $$' $$\"",
    "echo $$ \"$$\" $$x",
    "echo $(date) \"$(date)\" a$(b)c \"x$(y)z\"",
    "echo $(a $(b $(c)))",
    "echo $(a | b && c || d; e\nf)",
    "echo $()",
    "echo $( )",
    "echo $(\n)",
    "echo $(a;)",
    "echo $(a &&)",
    "echo $(a |)",
    "echo $(;)",
    "echo $(a) $(",
    "echo $(a",
    "echo $(a))",
    "echo $(echo ')') $(echo \")\") $(echo \\))",
    "echo $(echo \"$(date)\")",
    "echo $(if x; then y; fi)",
    "echo $((1+2)) $( (x) )",
    "echo $(a # c\n)",
    "echo $(a <<EOF\nx\nEOF\n)",
    "X=$(uname -m) Y=\"$(id -u)\" cmd $(z)",
    "X=$(uname -m)",
    "$(which python) -m pip install x",
    "cmd > $(mktemp) 2>\"$(tty)\"",
    "sh -c \"$(curl -fsSL https://x)\"",
    "sh -c '$(curl -fsSL https://x)'",
    "bash -c \"echo $(date) && true\"",
    "eval \"$(ssh-agent -s)\"",
    "echo \"${A:-$(date)}\"",
    // Found by proptest: brush reads the old arithmetic `$[` inside `${…}` as unterminated.
    "I= 73<=z=@l=$(   )${M:$[}",
    "echo ${A:-$[1+1]}",
    "echo $(echo `date`)",
    "echo $(echo é) ü$(ö)",
    "echo $(a &)",
    "echo $(sh -c 'b && c')",
    "VERSION=$(curl -s https://api | grep tag | cut -d '\"' -f 4) && wget x/$VERSION.tgz",
    "echo $(\"a\")x$('b')",
    "echo $$(x)",
    "echo \\$(x)",
    "echo '$(x)'",
    "echo $(x)$(y)$(z)",
    "echo $(a\r)",
    "echo $(((a)))",
    "if a; then b; fi",
    "if a; b; then c && d; e | f; fi; g",
    "if a\nthen\n  b\nfi",
    "if a; then b; elif c; then d; elif e; then f; else g; fi",
    "if a; then b; else c; fi > /x 2>&1 && d",
    "if a; then b; fi | c",
    "a | if b; then c; fi | d",
    "if a then b; fi",
    "if a; then fi",
    "if ; then b; fi",
    "if a; then b; fi c",
    "if a; then b; fi; then",
    "if a; then b",
    "if if a; then b; fi; then c; fi",
    "if [ \"$(uname -m)\" = x86_64 ]; then ARCH=amd64; else ARCH=arm64; fi",
    "if a; then b; fi #c",
    "if a # c\nthen b; fi",
    "while read l; do echo $l; done < /x",
    "until a; do b; done",
    "while a\ndo\nb\ndone",
    "while a; do; done",
    "while a; do b; done x",
    "for x in a b c; do echo $x; done",
    "for x in $(ls) \"$(pwd)\"; do echo $x; done",
    "for x in; do echo; done",
    "for x; do echo; done",
    "for x do echo; done",
    "for x in a b\ndo\n echo\ndone",
    "for x in a b; do echo; done > $(mktemp)",
    "for 1 in a; do b; done",
    "for x-y in a; do b; done",
    "for x in a & b; do c; done",
    "{ a; b; }",
    "{ a; } | b",
    "a | { b; }",
    "{ a; } > /x",
    "{ a }",
    "{a; }",
    "{ a; }b",
    "{ a; } b",
    "{\na\n}",
    "{ }",
    "(a)",
    "( a; b ) && c",
    "(a) | (b)",
    "(a) > x",
    "((a))",
    "( (a) )",
    "( )",
    "(a",
    "a)",
    "(a) b",
    "echo $( (a) ) $( { b; } )",
    "echo $(if a; then b; fi)",
    "echo $(for x in a; do b; done)",
    "( if a; then b; fi )",
    "( a\n# c\n)",
    "{ a; } 2>&1 | tee log",
    "while true; do if a; then break; fi; done",
    "if a; then (b); fi",
    "if a; then { b; }; fi",
    "if a; then b; fi && if c; then d; fi || e",
    "sh -c 'if a; then b; fi'",
    "sh -c '(a) && { b; }'",
    "A=1 if a; then b; fi",
    ">x if a; then b; fi",
    "if a; then b; fi <<EOF\nx\nEOF",
    "for x in a; do b; done &",
    "{ a & }",
    "if a; then b & fi",
    "time { a; }",
    "! { a; }",
    "[ -f x ] || { echo missing; exit 1; }",
    "cd /x || exit",
    "case x in a) b;; esac",
    "case x in a) b;; c) d;; esac",
    "case x in a) b;; c) d; esac",
    "case x in a) b; esac",
    "case x in a) esac",
    "case x in a) ;; esac",
    "case x in esac",
    "case x in\n  a|b) c ;;\n  (d) e ;;\n  *) f\n  ;;\nesac",
    "case \"$(uname -m)\" in x86_64) A=amd64;; aarch64) A=arm64;; *) echo \"$(x)\"; exit 1;; esac; echo $A",
    "case $x in a) b;& c) d;;& e) f;; esac",
    "case x in 'a b') c;; \"d\") e;; f*|?g) h;; esac",
    "case x in a) if b; then c; fi;; esac",
    "case x in a) b | c && d || e;; esac > /x",
    "case x in a) b;; esac | c",
    "case x in a) (b);; esac",
    "case x in a) { b; };; esac",
    "case x in (a|b) c;; esac",
    "case x in a | b ) c;; esac",
    "case x in a)b;;esac",
    "case x in a) b;;; esac",
    "case x in a) b;; esac x",
    "case x in a b) c;; esac",
    "case x in a) b",
    "case x in a)",
    "case x",
    "case x in",
    "case in in in) a;; esac",
    "case x in esac) a;; esac",
    "case x in do) a;; esac",
    "case x in a # c\n) b;; esac",
    "case x in a) # c\n b;; esac",
    "case $(a) in $(b)) $(c);; esac",
    "echo $(case x in a) b;; esac)",
    "( case x in a) b;; esac )",
    "case x in a) b;; esac & c",
    "a & b",
    "a &",
    "a & b & c && d &",
    "a &\nb",
    "a & ; b",
    "a & & b",
    "a &;",
    "a & | b",
    "a &&& b",
    "a && b & c || d",
    "if a; then b & fi",
    "if a & then b; fi",
    "{ a & }",
    "{ a & b; }",
    "( a & )",
    "while a; do b & done",
    "echo $(a &)",
    "a & # c",
    "sh -c 'a & b'",
    "nohup a > /x 2>&1 &",
    "f() { a; }",
    "f() { a; }; f x",
    "f () { a; b | c; }",
    "f ( ) {\n a\n}",
    "f()\n{\n a\n}",
    "f() { a; } > /x",
    "f() ( a )",
    "f() if a; then b; fi",
    "f()",
    "f() {",
    "f() { }",
    "my-fn() { a; }",
    "_f1() { a; }",
    "1f() { a; }",
    "f.x() { a; }",
    "f() { local x=\"$1\"; shift; echo \"$x\" \"$(g)\"; }",
    "f(){ a; }",
    "f(a) { b; }",
    "if() { a; }",
    "function f { a; }",
    "function f() { a; }",
    "f() { a; } | b",
    "a | f() { b; }",
    "a && f() { b; }",
    "echo $(f() { a; }; f)",
    "A=1 f() { a; }",
    "f x() { a; }",
    "echo ${A%%[a-z]*} \"${A%%[a-z]*}\" ${A[0]} ${A[@]} \"${A[*]}\" ${#A[@]} ${A[$i]} ${A[1]:-x}",
    "echo ${A[} ${A]} ${[} ${A[0]",
    "wget \"https://x/${PYTHON_VERSION%%[a-z]*}/Python-$PYTHON_VERSION.tar.xz\"",
    "echo \"\\${A}\" \"\\$(b)\" \"\\$[c]\" \"\\$\\\"\" \\${d} \\$\"e\"",
    "sed -i \"s/\\${NGINX_VERSION}/x/\" /etc/f && echo \"\\$\" \"a\\$\"",
    "sh -c \"echo \\${HOME} \\$(id -u) && x\"",
    "echo \"\\$'x'\" \\$'y'",
];

/// What the fallback's words got before [`quoted_word_text`]: brush's word
/// parser, or [`simple_unquote`] for words it refuses.
fn brush_word_text(raw: &str) -> String {
    match parse_word(raw) {
        Some(pieces) => {
            let mut text = String::new();
            render(raw, &pieces, &mut text);
            text
        }
        None => simple_unquote(raw),
    }
}

/// Panics unless [`quoted_word_text`] gives what brush gives for `raw`, when it
/// reads it at all; returns whether it did.
fn same_word(raw: &str) -> bool {
    let Some(text) = quoted_word_text(raw) else {
        return false;
    };
    assert_eq!(text, brush_word_text(raw), "quoted_word_text and brush differ on {raw:?}");
    let pieces = parse_word(raw);
    assert!(!pieces.as_deref().is_some_and(has_substitution), "{raw:?}");
    true
}

#[test]
fn quoted_words_match_brush() {
    for raw in [
        "'a b'",
        "\"a b\"",
        "a\\",
        "a\\\nb",
        "\"a\\\nb\"",
        "\"\\$\\`\\\"\\\\\\x\"",
        "$HOME/x",
        "\"$HOME\"",
        "$env:PATH",
        "'$(x)'",
        "~/x",
        "a:~b",
        "\\$'x'",
        "$1$$$@",
        "$",
        "\"é\\é\"\\é",
        "[Net.ServicePointManager]::SecurityProtocol",
        "@{a=1}",
    ] {
        assert!(same_word(raw), "{raw:?} is read without brush");
    }
    for raw in
        ["'a", "\"a", "`a`", "$(a)", "\"$(a)\"", "${a}", "$'a'", "$\"a\"", "$[1]", "\"a$\"", "~1234567890123456789012"]
    {
        assert!(!same_word(raw), "{raw:?} is left to brush");
    }
}

mod props {
    use super::*;
    use proptest::prelude::*;

    /// A piece of a word: plain text, quotes, escapes, expansions, globs,
    /// tildes, unicode, and a few forms the fast path leaves to brush.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-z0-9_./=:,+@%-]{1,6}",
            2 => "'[a-z \"$\\\\é`#;&|<>(){}]{0,5}'",
            2 => "\"[a-z '$\\\\é{}#;&|<>()]{0,5}\"",
            1 => "\\\\[a-z;&|' \"é$#<>(){}\\\\\r\n]",
            2 => "\\$[A-Za-z_é][A-Za-z0-9_]{0,3}",
            1 => "\\$[0-9@*#?$!\\- /\"'({\\[]",
            1 => "\\$\\{[#!]?[A-Z]{1,3}([:%#/-]{1,2}[a-z$é{}\\[\\]*@]{0,3})?\\}",
            1 => "\"\\$\\{[A-Z]{1,2}(:-[a-z$ ]{0,3})?\\}[a-z]{0,2}\"",
            1 => "~[a-z+-]{0,2}/?",
            1 => "[*?{},\\[\\]!#~é日=\r]",
            1 => "\\$\\([a-z ]{0,5}\\)",
            1 => "\"[a-z]{0,2}\\$\\([a-z \"'|&;$é]{0,6}\\)\"",
        ]
    }

    fn word() -> impl Strategy<Value = String> {
        proptest::collection::vec(piece(), 1..4).prop_map(|p| p.concat())
    }

    fn redirect() -> impl Strategy<Value = String> {
        (
            "[0-9]{0,2}",
            prop_oneof![
                Just(">"),
                Just(">>"),
                Just("<"),
                Just("<>"),
                Just(">|"),
                Just("&>"),
                Just("&>>"),
                Just(">&"),
                Just("<&")
            ],
            prop_oneof![Just(""), Just(" ")],
            prop_oneof![3 => word(), 1 => "[0-9-]".prop_map(String::from)],
        )
            .prop_map(|(fd, op, blank, target)| format!("{fd}{op}{blank}{target}"))
    }

    fn command() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec("[A-Za-z_][A-Za-z0-9_]{0,3}=[a-z\"'$]{0,3}", 0..2),
            proptest::collection::vec(prop_oneof![5 => word(), 1 => redirect()], 1..5),
            prop_oneof![Just(""), Just(" "), Just("\t")],
        )
            .prop_map(|(assign, items, blank)| {
                let mut all = assign;
                all.extend(items);
                format!("{blank}{}", all.join(" "))
            })
    }

    /// A command, or a compound command around generated commands.
    fn element() -> impl Strategy<Value = String> {
        let leaf = command();
        leaf.prop_recursive(2, 8, 3, |inner| {
            let l = || proptest::collection::vec(inner.clone(), 1..3).prop_map(|c| c.join("; "));
            prop_oneof![
                3 => inner.clone(),
                1 => inner.clone().prop_map(|c| format!("! {c}")),
                1 => (l(), l()).prop_map(|(a, b)| format!("if ! {a}; then {b}; fi")),
                1 => (l(), l()).prop_map(|(a, b)| format!("if {a}; then {b}; fi")),
                1 => (l(), l(), l()).prop_map(|(a, b, c)| format!("if {a}\nthen {b}\nelse {c}\nfi")),
                1 => (l(), l()).prop_map(|(a, b)| format!("while {a}; do {b}; done")),
                1 => (word(), l()).prop_map(|(w, b)| format!("for v in {w} x; do {b}; done")),
                1 => l().prop_map(|a| format!("{{ {a}; }}")),
                1 => l().prop_map(|a| format!("( {a} )")),
                1 => l().prop_map(|a| format!("f() {{ {a}; }}; f")),
                1 => l().prop_map(|a| format!("echo $({a}) \"$({a})\"")),
                1 => (word(), l(), l()).prop_map(|(w, a, b)| format!("case {w} in x|'y') {a};; *) {b}\n;; esac")),
            ]
        })
    }

    fn separator() -> impl Strategy<Value = &'static str> {
        prop_oneof![
            3 => Just(" && "),
            1 => Just(" || "),
            2 => Just(" | "),
            2 => Just("; "),
            1 => Just(";"),
            2 => Just("\n"),
            1 => Just(" &&\n  "),
            1 => Just(" # note\n"),
            1 => Just("\n\n# c\n"),
            1 => Just("\r\n"),
            1 => Just(" & "),
        ]
    }

    fn script() -> impl Strategy<Value = String> {
        (
            element(),
            proptest::collection::vec((separator(), element()), 0..5),
            prop_oneof![Just(""), Just(";"), Just("\n"), Just(" # end")],
        )
            .prop_map(|(first, rest, end)| {
                let mut s = first;
                for (sep, c) in rest {
                    s.push_str(sep);
                    s.push_str(&c);
                }
                s.push_str(end);
                s
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn generated_scripts_match_brush(src in script()) {
            same(&src);
        }

        #[test]
        fn generated_sh_c_scripts_match_brush(inner in script(), quote in prop_oneof![Just('\''), Just('"')]) {
            if !inner.contains(quote) {
                same(&format!("sh -c {quote}{inner}{quote} && echo done"));
            }
        }

        #[test]
        fn quoted_word_soup_matches_brush(
            raw in "([a-z0-9 é日=\\-./~:*@{}\\[\\]()<>;|&#!+\n\r\t]|[$`'\"\\\\]|\\$[a-z0-9_@*#?$!(\\['\"{-]|\\\\[$`\"\\\\\n]){0,16}"
        ) {
            same_word(&raw);
        }

        #[test]
        fn quoted_words_match_brush_generated(raw in word()) {
            same_word(&raw);
        }

        #[test]
        fn shell_soup_matches_brush(
            src in "([a-z0-9 é=\\-./~*]|[|&;<>$`'\"\\\\{}\\[\\]#\n\t!]|\\$\\{|\\}|2>&1|&&|\\|\\||sh -c |if |fi|X=){0,30}"
        ) {
            same(&src);
        }
    }
}

/// Every RUN script of the corpus (`../shared/corpus`, or `$DRYDOCK_CORPUS`):
/// the fast path must give what brush gives. Skipped when the corpus is
/// absent, except in CI (`CI=true`).
#[test]
fn corpus_scripts_match_brush() {
    use crate::lint::model::Model;
    use crate::lint::parser::{Keyword, parse};
    use std::path::PathBuf;

    let has_manifest = |dir: &PathBuf| dir.join("MANIFEST.tsv").is_file();
    let dir = match std::env::var_os("DRYDOCK_CORPUS") {
        Some(dir) => Some(PathBuf::from(dir)).filter(has_manifest),
        None => ["../shared/corpus", "../../shared/corpus"]
            .into_iter()
            .map(|rel| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel))
            .find(has_manifest),
    };
    let Some(dir) = dir else {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true"),
            "the corpus is missing (set DRYDOCK_CORPUS or lay out ../shared/corpus)"
        );
        eprintln!("skipping: no corpus at ../shared/corpus (set DRYDOCK_CORPUS)");
        return;
    };
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap_or_default();
    let (mut scripts, mut fast) = (0usize, 0usize);
    // Every word the fallback splitter finds must read as brush reads it.
    let (mut word_count, mut quoted) = (0usize, 0usize);
    let mut words = |text: &str| {
        for t in lex(text).0.iter().filter(|t| t.tok == Tok::Word) {
            word_count += 1;
            if same_word(text.get(t.range.clone()).unwrap_or("")) {
                quoted += 1;
            }
        }
    };
    let mut check = |text: &str| {
        scripts += 1;
        if same(text) {
            fast += 1;
        }
    };
    for line in manifest.lines().skip(1) {
        let cells: Vec<&str> = line.split('\t').collect();
        let (Some(path), Some(&"dockerfile")) = (cells.first(), cells.get(5)) else {
            continue;
        };
        let bytes = std::fs::read(dir.join(path)).unwrap_or_default();
        let src = String::from_utf8_lossy(&bytes);
        let (file, _) = parse(&src);
        let model = Model::build(&file, None);
        for run in model.scripts.iter().flatten() {
            check(&run.text);
            words(&run.text);
        }
        // Rules also parse the RUN argument as written.
        for inst in file.instructions.iter().filter(|i| i.keyword == Keyword::Run) {
            if let Some(arg) = inst.args.first() {
                check(&arg.value);
                words(&arg.value);
            }
        }
    }
    eprintln!("corpus: {fast} of {scripts} RUN scripts took the fast path");
    eprintln!("corpus: {quoted} of {word_count} words read without brush's word parser");
    assert!(scripts > 1000, "corpus looks truncated: {scripts} scripts");
    assert!(fast * 2 > scripts, "only {fast} of {scripts} corpus scripts took the fast path");
}
