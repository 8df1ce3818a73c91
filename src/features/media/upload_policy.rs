//! The pre-signed upload form: an S3 POST policy (a base64 JSON document of an expiry and
//! conditions on the form's fields) signed the way S3 checks it (AWS Signature Version 4:
//! a key derived from the emulator's own secret, the date, region and service, then
//! HMAC-SHA256 over the policy, hex). [`PolicySigner::grant`] makes the form `fields`;
//! [`PolicySigner::verify`] checks an upload's fields against them exactly as S3 does:
//! signature, expiry, every condition, and no field the policy does not name. The secret
//! is drawn at start-up, so only this emulator's forms are accepted.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::kinds::MediaKind;
use super::storage_error::StorageError;

/// The one bucket the emulator serves.
pub const BUCKET: &str = "ccai-emulator-media";
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const ACCESS_KEY_ID: &str = "CCAIEMULATOR";
const REGION: &str = "us-east-1";
const TENANT_FIELD: &str = "x-amz-meta-tenant";
const CHAT_FIELD: &str = "x-amz-meta-chat-id";
const KIND_FIELD: &str = "x-amz-meta-kind";

/// The format of `X-Amz-Date` (and of a form's `x-amz-date`).
const AMZ_DATE: &str = "%Y%m%dT%H%M%SZ";

/// The query parameters of a download link.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownloadLink {
    /// `X-Amz-Date`: when the link was issued (`20250925T143000Z`).
    pub date: Option<String>,
    /// `X-Amz-Expires`: how many seconds it is valid.
    pub expires: Option<u64>,
    /// `X-Amz-Signature`.
    pub signature: Option<String>,
}

/// Who may upload what with one form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadTarget {
    pub tenant: String,
    pub chat_id: u64,
    pub kind: MediaKind,
}

/// What a verified form allows: this key, this type, this size range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedUpload {
    pub target: UploadTarget,
    pub key: String,
    pub content_type: String,
    pub min_bytes: u64,
    pub max_bytes: u64,
}

/// Signs and checks upload forms and download links.
pub struct PolicySigner {
    secret: String,
}

impl PolicySigner {
    /// A signer with a fresh random secret.
    pub fn random() -> PolicySigner {
        PolicySigner {
            secret: STANDARD.encode(rand::random::<[u8; 32]>()),
        }
    }

    /// The form fields for one upload of `target`, valid until `expires_at`.
    pub fn grant(
        &self,
        target: &UploadTarget,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> BTreeMap<String, String> {
        let kind = target.kind;
        let key = format!(
            "chats/{}/{}s/{}.{}",
            target.chat_id,
            kind.name(),
            uuid::Uuid::new_v4().simple(),
            kind.extension()
        );
        let date = now.format("%Y%m%d").to_string();
        let credential = format!("{ACCESS_KEY_ID}/{date}/{REGION}/s3/aws4_request");
        let amz_date = now.format(AMZ_DATE).to_string();
        let content_type = kind
            .upload_content_type()
            .unwrap_or("application/octet-stream");
        let document = json!({
            "expiration": expires_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            "conditions": [
                {"bucket": BUCKET},
                {"key": key},
                {"Content-Type": content_type},
                ["content-length-range", 1, kind.max_bytes()],
                {TENANT_FIELD: target.tenant},
                {CHAT_FIELD: target.chat_id.to_string()},
                {KIND_FIELD: kind.name()},
                {"x-amz-algorithm": ALGORITHM},
                {"x-amz-credential": credential},
                {"x-amz-date": amz_date},
            ],
        });
        let policy = STANDARD.encode(document.to_string());
        let signature = self.sign(&date, &policy);
        BTreeMap::from([
            ("key".to_owned(), key),
            ("Content-Type".to_owned(), content_type.to_owned()),
            (TENANT_FIELD.to_owned(), target.tenant.clone()),
            (CHAT_FIELD.to_owned(), target.chat_id.to_string()),
            (KIND_FIELD.to_owned(), kind.name().to_owned()),
            ("x-amz-algorithm".to_owned(), ALGORITHM.to_owned()),
            ("x-amz-credential".to_owned(), credential),
            ("x-amz-date".to_owned(), amz_date),
            ("policy".to_owned(), policy),
            ("x-amz-signature".to_owned(), signature),
        ])
    }

    /// Checks an upload's form `fields` (names lower-cased) for `bucket` at `now` of the
    /// form's tenant (each tenant reads its own clock).
    pub fn verify(
        &self,
        bucket: &str,
        fields: &BTreeMap<String, String>,
        now: impl Fn(&str) -> DateTime<Utc>,
    ) -> Result<VerifiedUpload, StorageError> {
        let field = |name: &str| fields.get(name).map(String::as_str);
        let required = |name: &str| {
            field(name).ok_or_else(|| {
                StorageError::invalid_argument(format!(
                    "Bucket POST must contain a field named '{name}'. If it is specified, please check the order of the fields."
                ))
            })
        };
        let policy = required("policy")?;
        let signature = required("x-amz-signature")?;
        let credential = required("x-amz-credential")?;
        let date = credential.split('/').nth(1).unwrap_or_default();
        if !constant_time_eq(&self.sign(date, policy), signature) {
            return Err(StorageError::new(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            ));
        }
        let document: Value = STANDARD
            .decode(policy)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(|| StorageError::invalid_policy("Invalid Policy: Invalid JSON."))?;
        let expiration = document["expiration"]
            .as_str()
            .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
            .ok_or_else(|| {
                StorageError::invalid_policy("Invalid Policy: Invalid 'expiration' value.")
            })?;
        let conditions = document["conditions"].as_array().ok_or_else(|| {
            StorageError::invalid_policy("Invalid Policy: Policy missing 'conditions'.")
        })?;
        let tenant = conditions
            .iter()
            .find_map(|condition| condition.get(TENANT_FIELD).and_then(Value::as_str))
            .unwrap_or_default();
        if now(tenant) >= expiration {
            return Err(StorageError::access_denied(
                "Invalid according to Policy: Policy expired.",
            ));
        }
        let mut checked = Conditions::default();
        for condition in conditions {
            checked.check(condition, bucket, fields)?;
        }
        let extra: Vec<&str> = fields
            .keys()
            .map(String::as_str)
            .filter(|name| {
                !matches!(*name, "policy" | "x-amz-signature" | "file")
                    && !name.starts_with("x-ignore-")
                    && !checked.named.iter().any(|named| named == name)
            })
            .collect();
        if !extra.is_empty() {
            return Err(StorageError::access_denied(format!(
                "Invalid according to Policy: Extra input fields: {}",
                extra.join(", ")
            )));
        }
        let (min_bytes, max_bytes) = checked.length_range.ok_or_else(|| {
            StorageError::invalid_policy("Invalid Policy: no content-length-range condition.")
        })?;
        let signed = |name: &str| checked.values.get(name).cloned().unwrap_or_default();
        let kind = match signed(KIND_FIELD).as_str() {
            "photo" => MediaKind::Photo,
            "video" => MediaKind::Video,
            _ => {
                return Err(StorageError::invalid_policy(
                    "Invalid Policy: unknown kind.",
                ))
            }
        };
        let chat_id = signed(CHAT_FIELD)
            .parse()
            .map_err(|_| StorageError::invalid_policy("Invalid Policy: bad chat id."))?;
        Ok(VerifiedUpload {
            target: UploadTarget {
                tenant: signed(TENANT_FIELD),
                chat_id,
                kind,
            },
            key: signed("key"),
            content_type: signed("content-type"),
            min_bytes,
            max_bytes,
        })
    }

    /// The query of a download link to `bucket/key` issued at `now`, valid for
    /// `expires_in` (whole seconds, at least one, as S3's `X-Amz-Expires`):
    /// `X-Amz-Date=...&X-Amz-Expires=...&X-Amz-Signature=...`.
    pub fn download_query(
        &self,
        bucket: &str,
        key: &str,
        now: DateTime<Utc>,
        expires_in: std::time::Duration,
    ) -> String {
        let date = now.format(AMZ_DATE).to_string();
        let expires = expires_in.as_secs_f64().ceil().max(1.0) as u64;
        let signature = self.download_signature(bucket, key, &date, expires);
        format!("X-Amz-Date={date}&X-Amz-Expires={expires}&X-Amz-Signature={signature}")
    }

    /// Checks a download link's query parameters at `now`: its signature, then its expiry.
    pub fn check_download(
        &self,
        bucket: &str,
        key: &str,
        link: &DownloadLink,
        now: DateTime<Utc>,
    ) -> Result<(), StorageError> {
        let (Some(date), Some(expires), Some(signature)) =
            (&link.date, link.expires, &link.signature)
        else {
            return Err(StorageError::access_denied(
                "Request has no valid X-Amz-Signature for this object",
            ));
        };
        let expected = self.download_signature(bucket, key, date, expires);
        if !constant_time_eq(&expected, signature) {
            return Err(StorageError::access_denied(
                "Request has no valid X-Amz-Signature for this object",
            ));
        }
        let issued = chrono::NaiveDateTime::parse_from_str(date, AMZ_DATE)
            .map(|issued| issued.and_utc())
            .map_err(|_| StorageError::access_denied("X-Amz-Date is not a date"))?;
        let expiry = issued + chrono::Duration::seconds(expires.min(i64::MAX as u64) as i64);
        if now > expiry {
            return Err(StorageError::access_denied("Request has expired")
                .with("X-Amz-Expires", expires)
                .with("Expires", expiry.format("%Y-%m-%dT%H:%M:%SZ"))
                .with("ServerTime", now.format("%Y-%m-%dT%H:%M:%SZ")));
        }
        Ok(())
    }

    /// The `X-Amz-Signature` of a download link: the object, when it was issued and for
    /// how long.
    fn download_signature(&self, bucket: &str, key: &str, date: &str, expires: u64) -> String {
        self.sign(
            "download",
            &format!("GET\n/{bucket}/{key}\n{date}\n{expires}"),
        )
    }

    /// SigV4: derive the key from the secret, date, region and service, then sign.
    fn sign(&self, date: &str, string_to_sign: &str) -> String {
        let date_key = hmac(format!("AWS4{}", self.secret).as_bytes(), date.as_bytes());
        let region_key = hmac(&date_key, REGION.as_bytes());
        let service_key = hmac(&region_key, b"s3");
        let signing_key = hmac(&service_key, b"aws4_request");
        hex(&hmac(&signing_key, string_to_sign.as_bytes()))
    }
}

/// What the policy's conditions named and allowed.
#[derive(Default)]
struct Conditions {
    named: Vec<String>,
    values: BTreeMap<String, String>,
    length_range: Option<(u64, u64)>,
}

impl Conditions {
    fn check(
        &mut self,
        condition: &Value,
        bucket: &str,
        fields: &BTreeMap<String, String>,
    ) -> Result<(), StorageError> {
        let invalid = || {
            StorageError::invalid_policy(format!("Invalid Policy: Invalid Condition: {condition}"))
        };
        let (operator, name, expected) = match condition {
            Value::Object(map) if map.len() == 1 => {
                let (name, value) = map.iter().next().expect("one entry");
                (
                    "eq",
                    name.to_ascii_lowercase(),
                    value.as_str().ok_or_else(invalid)?,
                )
            }
            Value::Array(items) if items.first() == Some(&json!("content-length-range")) => {
                let bound = |index: usize| items.get(index).and_then(Value::as_u64);
                let (Some(min), Some(max)) = (bound(1), bound(2)) else {
                    return Err(invalid());
                };
                self.length_range = Some((min, max));
                return Ok(());
            }
            Value::Array(items) if items.len() == 3 => {
                let operator = items[0].as_str().ok_or_else(invalid)?;
                let name = items[1].as_str().and_then(|name| name.strip_prefix('$'));
                let name = name.ok_or_else(invalid)?.to_ascii_lowercase();
                (operator, name, items[2].as_str().ok_or_else(invalid)?)
            }
            _ => return Err(invalid()),
        };
        let given = if name == "bucket" {
            Some(bucket)
        } else {
            fields.get(&name).map(String::as_str)
        };
        let holds = match operator {
            "eq" => given == Some(expected),
            "starts-with" => given.is_some_and(|given| given.starts_with(expected)),
            _ => return Err(invalid()),
        };
        if !holds {
            return Err(StorageError::access_denied(format!(
                "Invalid according to Policy: Policy Condition failed: [\"{operator}\", \"${name}\", \"{expected}\"]"
            )));
        }
        self.values.insert(name.clone(), expected.to_owned());
        self.named.push(name);
        Ok(())
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower(fields: BTreeMap<String, String>) -> BTreeMap<String, String> {
        fields
            .into_iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value))
            .collect()
    }

    fn photo_form(signer: &PolicySigner) -> BTreeMap<String, String> {
        let target = UploadTarget {
            tenant: "acme".into(),
            chat_id: 7,
            kind: MediaKind::Photo,
        };
        let now = Utc::now();
        lower(signer.grant(&target, now, now + chrono::Duration::minutes(5)))
    }

    #[test]
    fn a_granted_form_verifies_with_its_key_type_and_limit() {
        let signer = PolicySigner::random();
        let fields = photo_form(&signer);
        let upload = signer.verify(BUCKET, &fields, |_| Utc::now()).unwrap();
        assert_eq!(upload.target.chat_id, 7);
        assert_eq!(upload.target.tenant, "acme");
        assert_eq!(upload.content_type, "image/jpeg");
        assert_eq!(upload.max_bytes, 2 * 1024 * 1024);
        assert_eq!(&upload.key, &fields["key"]);
    }

    #[test]
    fn a_changed_field_an_extra_field_or_a_late_upload_is_refused() {
        let signer = PolicySigner::random();
        let mut fields = photo_form(&signer);
        fields.insert("content-type".into(), "image/png".into());
        let error = signer.verify(BUCKET, &fields, |_| Utc::now()).unwrap_err();
        assert_eq!((error.status, error.code), (403, "AccessDenied"));
        assert!(error.message.contains("$content-type"), "{}", error.message);

        let mut fields = photo_form(&signer);
        fields.insert("acl".into(), "public-read".into());
        let error = signer.verify(BUCKET, &fields, |_| Utc::now()).unwrap_err();
        assert!(error.message.contains("Extra input fields: acl"));

        let fields = photo_form(&signer);
        let late = Utc::now() + chrono::Duration::minutes(6);
        let error = signer.verify(BUCKET, &fields, |_| late).unwrap_err();
        assert_eq!(
            error.message,
            "Invalid according to Policy: Policy expired."
        );
    }

    #[test]
    fn a_rewritten_policy_fails_the_signature_and_garbage_is_an_invalid_document() {
        let signer = PolicySigner::random();
        let mut fields = photo_form(&signer);
        let policy = String::from_utf8(STANDARD.decode(&fields["policy"]).unwrap()).unwrap();
        let bigger = policy.replace("2097152", "999999999");
        fields.insert("policy".into(), STANDARD.encode(bigger));
        let error = signer.verify(BUCKET, &fields, |_| Utc::now()).unwrap_err();
        assert_eq!(error.code, "SignatureDoesNotMatch");

        let other = PolicySigner::random();
        let fields = photo_form(&other);
        assert!(signer.verify(BUCKET, &fields, |_| Utc::now()).is_err());

        let mut fields = photo_form(&signer);
        let date = fields["x-amz-credential"]
            .split('/')
            .nth(1)
            .unwrap()
            .to_owned();
        fields.insert("policy".into(), "not base64!".into());
        fields.insert("x-amz-signature".into(), signer.sign(&date, "not base64!"));
        let error = signer.verify(BUCKET, &fields, |_| Utc::now()).unwrap_err();
        assert_eq!((error.status, error.code), (400, "InvalidPolicyDocument"));
    }
}
