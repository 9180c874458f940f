use clap::Parser as _;
use tongxin::cli::{Cli, run};

#[actix_web::main]
async fn main() {
    if let Err(err) = run(Cli::parse()).await {
        eprintln!("tongxin: {err}");
        std::process::exit(err.exit_code());
    }
}
