//! What the health feature's control-plane routes answer where the handler writes the JSON
//! itself: descriptions for the OpenAPI document.

// A description for the OpenAPI document of what `http::limits::list` writes.
/// Every limit the emulator enforces.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Limits {
    limits: Vec<Limit>,
}

/// One limit, the flag (and environment twin) that sets it, its value and its use.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Limit {
    name: String,
    flag: String,
    env: String,
    #[schema(required = true)]
    limit: Option<u64>,
    used: Option<u64>,
    when_reached: String,
}
