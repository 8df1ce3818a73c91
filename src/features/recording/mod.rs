//! Recording a tenant and holding the emulator to it: `ccai-emulator record`
//! proxies the Apps API to a tenant and takes its webhooks, writing what it sees into
//! cassettes ([`Recorder`], [`cassette`]); `ccai-emulator diff` replays a cassette's
//! requests against a fresh emulator and reports every difference ([`report`]);
//! `ccai-emulator replay` answers from cassettes, as fixtures. The cassette format, the
//! normaliser ([`normalise`]) and the comparison ([`compare`]) are the parity suite's
//! (`conformance/`), so a cassette and a snapshot read alike.

pub mod bindings;
pub mod cassette;
pub mod compare;
pub mod http;
pub mod json;
pub mod normalise;
pub mod playback;
mod recorder;
pub mod report;
pub mod settings;

pub use bindings::Bindings;
pub use cassette::{Cassette, RawExchange, RawWebhook};
pub use json::Json;
pub use recorder::{
    cassette_name, Arrival, Credentials, ExchangeLabels, Recorder, RecorderOptions,
    CASSETTE_HEADER, STEP_HEADER, UNASSIGNED,
};
pub use report::{CassetteDiff, DiffReport};
pub use settings::{DiffSettings, RecordSettings, ReplaySettings};
