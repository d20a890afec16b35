//! Entry point of the multicall binary: everything happens in the library, so that the
//! personalities can be tested without a process boundary where one is not needed.

fn main() -> std::process::ExitCode {
    vspace_netns::main(std::env::args_os().collect())
}
