//! The HTTP server, assembled from actix-server and actix-http rather than actix-web's
//! `HttpServer`, for one reason: each accepted socket is wrapped in
//! [`EnvelopeStream`], so the HTTP parser's own rejections (431, 400, 408 written before
//! any handler runs) carry the `{"message"}` envelope too. The settings are actix-web's
//! defaults (keep-alive 5 s, request head within 5 s, disconnect 1 s), and idle keep-alive
//! connections are closed as soon as a graceful stop begins, as `HttpServer` does.

use std::net::{SocketAddr, TcpListener};
use std::time::Duration;

use actix_http::error::DispatchError;
use actix_http::{HttpService, Protocol};
use actix_rt::net::TcpStream;
use actix_server::Server;
use actix_service::{fn_service, map_config, ServiceFactoryExt};
use actix_web::dev::AppConfig;
use actix_web::middleware::{from_fn, Condition};
use actix_web::{web, App};

use super::Features;
use crate::http::body_timeout::limit_body_read_time;
use crate::http::front_door::EnvelopeStream;
use crate::http::HttpSettings;

/// How the server runs.
pub struct ServeOptions {
    pub workers: Option<usize>,
    /// How long a graceful stop waits for open connections.
    pub shutdown_timeout_seconds: u64,
    /// Log one line per request (`--access-log`).
    pub access_log: bool,
}

/// Serves the emulator's app on `listener`.
pub fn serve(
    listener: TcpListener,
    address: SocketAddr,
    options: ServeOptions,
    features: Features,
    settings: web::Data<HttpSettings>,
    mount: impl Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
) -> std::io::Result<Server> {
    let mut builder = Server::build()
        .disable_signals()
        .shutdown_timeout(options.shutdown_timeout_seconds);
    if let Some(workers) = options.workers {
        builder = builder.workers(workers);
    }
    let graceful = builder.graceful_shutdown_signal();
    let access_log = options.access_log;
    Ok(builder
        .listen("ccai-emulator", listener, move || {
            let (features, settings, mount) = (features.clone(), settings.clone(), mount.clone());
            let app = App::new()
                .wrap(from_fn(limit_body_read_time))
                .wrap(Condition::new(
                    access_log,
                    crate::http::access_log::logger(),
                ))
                .configure(|config| features.register(config))
                .app_data(settings)
                .configure(mount);
            let graceful = graceful.clone();
            let http = HttpService::build()
                .graceful_shutdown_signal(move || {
                    let graceful = graceful.clone();
                    async move { graceful.notified().await }
                })
                .client_request_timeout(Duration::from_secs(5))
                .client_disconnect_timeout(Duration::from_secs(1))
                .local_addr(address)
                .finish(map_config(app, |_| AppConfig::default()));
            fn_service(|io: TcpStream| async move {
                let peer = io.peer_addr().ok();
                Ok::<_, DispatchError>((EnvelopeStream::new(io), Protocol::Http1, peer))
            })
            .and_then(http)
        })?
        .run())
}
