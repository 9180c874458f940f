//! `HEAD` wherever `GET` works (RFC 9110 §9.3.2): the request is served as a `GET`, and
//! the answer keeps its status and every header (Content-Length, ETag, Content-Type,
//! Accept-Ranges, Content-Range, caching) but sends no body. Done once, in front of the
//! router, so no route can forget it.
//!
//! The OpenAPI document does not list `head` operations: each would repeat its `get` with
//! no body, doubling the document (and the clients generated from it and schemathesis's
//! work) for nothing a client needs to be told more than once. Its description states
//! the rule instead.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage as _};
use bytes::Bytes;

/// Marks a request that arrived as `HEAD` (its method now reads `GET`).
#[derive(Debug, Clone, Copy)]
pub struct HeadRequest;

/// The body of a `HEAD` answer: the size the `GET` body would have had (so the length
/// header is the same), and no bytes. The body it replaces is never read.
pub struct NoBody(BodySize);

impl MessageBody for NoBody {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        self.0
    }

    fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(None)
    }
}

/// Serves `HEAD` as `GET` without the body.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let head = req.method() == Method::HEAD;
    if head {
        req.head_mut().method = Method::GET;
        req.extensions_mut().insert(HeadRequest);
    }
    let res = next.call(req).await?;
    Ok(res.map_body(move |_, body| {
        if head {
            actix_web::body::EitherBody::right(NoBody(body.size()))
        } else {
            actix_web::body::EitherBody::left(body)
        }
    }))
}
