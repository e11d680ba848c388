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
fn explore() {
    let mut bad = Vec::new();
    for src in CASES {
        let fast = parse_with(src, &[], true);
        let brush = parse_with(src, &[], false);
        let took = guard(src).is_none() && fast::parse(src).is_some();
        if fast != brush {
            bad.push(format!("{src:?}\n  fast:  {:?}\n  brush: {:?}", fast, brush));
        } else {
            eprintln!("ok {} {src:?}", if took { "FAST " } else { "brush" });
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
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
];
