use clap::Parser as _;
use tongxin::cli::{Cli, run};

/// mimalloc rather than glibc's malloc: under load dozens of blocking-pool threads each
/// allocate in an arena of their own, and glibc keeps what they free (the server's RSS
/// grew to several hundred MB in the benchmark). Tests use the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() {
    if let Err(err) = run(Cli::parse()).await {
        eprintln!("tongxin: {err}");
        std::process::exit(err.exit_code());
    }
}
