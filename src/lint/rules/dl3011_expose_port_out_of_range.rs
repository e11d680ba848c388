use super::{Rule, declare_rule};
use crate::lint::context::Context;
use crate::lint::parser::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `EXPOSE` ports above 65535, alone (`80000`), with a protocol
    /// (`80000/tcp`) or as either end of a range (`40000-80000`). Ports built
    /// from variables (`$PORT`, `40000-${LAST}`) are skipped.
    ///
    /// ## Why is this bad?
    /// TCP and UDP ports are 16-bit numbers: 65535 is the largest. BuildKit
    /// refuses the instruction ("invalid containerPort"), so the build fails, and
    /// the number was most likely a typo for another port.
    ///
    /// ## Example
    /// ```dockerfile
    /// EXPOSE 80800/tcp
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// EXPOSE 8080/tcp
    /// ```
    ///
    /// ## References
    /// hadolint DL3011.
    pub struct ExposePortOutOfRange { code: "DL3011", name: "expose-port-out-of-range", tag: None, severity: Error, fix: None }
}

impl Rule for ExposePortOutOfRange {
    fn per_instruction(&self) -> bool {
        true
    }

    fn check_instruction(&self, inst: &Instruction, cx: &mut Context<'_>) {
        let inst = inst.effective();
        if inst.keyword != Keyword::Expose {
            return;
        }
        for arg in &inst.args {
            let word = arg.value.trim_matches(['"', '\'']);
            let ports = word.split('/').next().unwrap_or(word);
            if ports.contains(['$', ':']) {
                continue;
            }
            let too_big = ports.split('-').any(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !fits(p));
            if too_big {
                let what = if ports.contains('-') { "port range" } else { "port" };
                cx.report(self, arg.range, format!("{what} `{word}` is outside the valid range 0-65535"))
                    .help("ports are 16-bit numbers: use one from 0 to 65535");
            }
        }
    }
}

/// Whether an all-digit string is at most 65535 (any length).
fn fits(digits: &str) -> bool {
    digits
        .trim_start_matches('0')
        .parse::<u32>()
        .map_or_else(|_| digits.trim_start_matches('0').is_empty(), |n| n <= 65535)
}

#[cfg(test)]
mod tests {
    use super::fits;

    #[test]
    fn port_limits() {
        assert!(fits("0") && fits("65535") && fits("000080"));
        assert!(!fits("65536") && !fits("99999999999999999999999"));
    }
}
