//! Fuzzes the RUN-script parser: the fast path, brush-parser behind our
//! guards, and the fallback splitter. Run with `-timeout=2` so a hang counts
//! as a crash. The fast path must give exactly what the brush path gives.
#![no_main]

use drydock::lint::model::shell::{parse_script, parse_script_with_heredocs, parse_script_with_heredocs_brush_only};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else { return };
    let script = parse_script(src);
    let _ = script.pipe_to_shell();
    assert_eq!(script, parse_script_with_heredocs_brush_only(src, &[]), "fast and brush paths differ on {src:?}");
    let _ = parse_script_with_heredocs(src, &["body", ""]);
});
