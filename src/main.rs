//! `drydock`: see the README.

/// mimalloc instead of the system allocator: linting allocates and frees many
/// small strings (words, arguments, findings), and glibc's malloc/free took about
/// a quarter of the CPU time of a corpus lint.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    drydock::cli::main()
}
