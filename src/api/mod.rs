//! The HTTP layer: every route is registered here, once, through utoipa-actix-web, so a
//! route cannot exist without its OpenAPI entry.

pub mod admin;
pub mod attempts;
pub mod auth;
pub mod caching;
pub mod campaigns;
pub mod contents;
pub mod control_chars;
pub mod csv_table;
pub mod engagement;
pub mod extract;
pub mod fallback;
pub mod head;
pub mod import_body;
pub mod leaderboards;
pub mod me;
pub mod media;
pub mod middleware;
pub mod openapi;
mod openapi_bodies;
mod openapi_strings;
pub mod ops;
pub mod pagination;
pub mod public_cache;
pub mod quizzes;
pub mod topics;

use actix_web::middleware::from_fn;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

pub const API_PREFIX: &str = "/api/v1";

/// Registers every documented route. Used by the server and by the OpenAPI generator.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(ops::healthz::healthz).service(ops::readyz::readyz).service(ops::metrics::metrics);
    cfg.service(
        scope(API_PREFIX)
            .wrap(from_fn(middleware::private_cache))
            .service(auth::register::register)
            .service(auth::login::login)
            .service(auth::replace_password::replace_password)
            .service(auth::refresh::refresh)
            .service(auth::logout::logout)
            .service(me::show::show)
            .service(me::update::update)
            .service(me::change_password::change_password)
            .service(me::export::export)
            .service(me::delete::delete)
            .service(me::favorites::favorites)
            .service(topics::list::list)
            .service(contents::feed::list)
            .service(contents::show::show)
            .service(contents::reactions::like)
            .service(contents::reactions::unlike)
            .service(contents::reactions::favorite)
            .service(contents::reactions::unfavorite)
            .service(media::show::show)
            .service(admin::contents::list::list)
            .service(admin::contents::create::create)
            .service(admin::contents::show::show)
            .service(admin::contents::update::update)
            .service(admin::contents::archive::archive)
            .service(admin::contents::translate::translate)
            .service(admin::contents::transitions::submit)
            .service(admin::contents::transitions::approve)
            .service(admin::contents::transitions::reject)
            .service(admin::contents::transitions::discard)
            .service(admin::media::upload::upload)
            .service(admin::topics::manage::list)
            .service(admin::topics::manage::create)
            .service(admin::topics::manage::update)
            .service(admin::topics::manage::remove)
            .service(admin::audit_log::list)
            // `/quizzes/daily` before `/quizzes/{id}`: the first matching pattern wins.
            .service(quizzes::daily::daily)
            .service(quizzes::list::list)
            .service(quizzes::show::show)
            .service(quizzes::start::start)
            .service(attempts::answer::answer)
            .service(attempts::submit::submit)
            .service(attempts::show::show)
            .service(me::mistakes::list)
            .service(me::mistakes::practice)
            .service(admin::questions::manage::list)
            .service(admin::questions::import::import)
            .service(admin::questions::manage::create)
            .service(admin::questions::manage::show)
            .service(admin::questions::manage::update)
            .service(admin::questions::manage::retire)
            .service(admin::quizzes::manage::list)
            .service(admin::quizzes::manage::create)
            .service(admin::quizzes::manage::show)
            .service(admin::quizzes::manage::update)
            .service(admin::quizzes::manage::archive)
            .service(admin::quizzes::transitions::submit)
            .service(admin::quizzes::transitions::approve)
            .service(admin::quizzes::transitions::reject)
            .service(admin::quizzes::transitions::discard)
            .service(admin::reports::quiz::quiz)
            .service(admin::reports::participation::participation)
            .service(admin::reports::timeseries::timeseries)
            .service(admin::reports::contents::contents)
            .service(engagement::events::events)
            .service(me::progress::progress)
            .service(me::progress::history)
            .service(me::points::points)
            .service(me::points::stats)
            .service(leaderboards::boards::users)
            .service(leaderboards::boards::organizations)
            .service(admin::point_rules::list)
            .service(admin::point_rules::replace)
            .service(admin::organizations::list::list)
            .service(admin::organizations::create::create)
            .service(admin::organizations::show::show)
            .service(admin::organizations::progress::progress)
            .service(admin::organizations::update::update)
            .service(admin::organizations::roster::import)
            .service(admin::users::list::list)
            .service(admin::users::show::show)
            .service(admin::users::update::update)
            .service(admin::users::reset_password::reset_password)
            .service(campaigns::list::list)
            .service(campaigns::show::show)
            .service(admin::campaigns::manage::list)
            .service(admin::campaigns::manage::create)
            .service(admin::campaigns::manage::show)
            .service(admin::campaigns::manage::update)
            .service(admin::campaigns::manage::archive)
            .service(admin::campaigns::transitions::submit)
            .service(admin::campaigns::transitions::approve)
            .service(admin::campaigns::transitions::reject)
            .service(admin::campaigns::transitions::discard)
            // The staff console's needs, for every client (issue 15).
            .service(admin::markdown::preview::preview)
            .service(admin::workflow::review_queue::list)
            .service(admin::workflow::counts::counts),
    );
}
