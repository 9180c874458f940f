//! The ceiling: actix-web on this machine answering every request (any method, any path)
//! with the same bytes. The bench starts it once per endpoint with the body the real
//! server sent for that endpoint, so both send responses of the same size.
//!
//! `tongxin-ceiling --port 8081 --body page.json --content-type application/json`

use std::path::PathBuf;

use actix_web::{App, HttpResponse, HttpServer, web};
use clap::Parser;

#[derive(Parser)]
struct Args {
    #[arg(long)]
    port: u16,
    /// The file whose bytes every response carries.
    #[arg(long)]
    body: PathBuf,
    #[arg(long, default_value = "application/json")]
    content_type: String,
    /// HTTP worker threads (the server's default is one per core).
    #[arg(long)]
    workers: Option<usize>,
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let body = web::Bytes::from(std::fs::read(&args.body)?);
    let content_type = args.content_type;
    let workers = args.workers.unwrap_or_else(|| std::thread::available_parallelism().map_or(2, usize::from));
    HttpServer::new(move || {
        let (body, content_type) = (body.clone(), content_type.clone());
        // The request body is read, as the server reads it, so keep-alive carries on.
        App::new().default_service(web::to(move |_request_body: web::Bytes| {
            let (body, content_type) = (body.clone(), content_type.clone());
            async move { HttpResponse::Ok().content_type(content_type).body(body) }
        }))
    })
    .workers(workers)
    .bind(("127.0.0.1", args.port))?
    .run()
    .await
}
