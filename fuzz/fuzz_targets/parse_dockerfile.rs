//! Fuzzes the Dockerfile and .dockerignore parsers: they must never panic, and
//! every span they return must lie inside the input on character boundaries.
#![no_main]

use drydock::lint::parser::{dockerignore, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let (file, issues) = parse(src);
    for inst in &file.instructions {
        for range in std::iter::once(inst.range).chain(inst.args.iter().map(|a| a.range)).chain(inst.flags.iter().map(|f| f.range)) {
            assert!(range.end as usize <= src.len());
            assert!(src.is_char_boundary(range.start as usize) && src.is_char_boundary(range.end as usize));
        }
    }
    for issue in issues {
        assert!(issue.range.end as usize <= src.len());
    }
    let ignore = dockerignore::parse(src);
    let _ = ignore.excludes("a/b/c");
});
