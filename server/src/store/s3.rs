//! The S3 call `object_store` does not offer: `ListMultipartUploads`, so the
//! sweep can find every multipart upload in progress under `blobs/` —
//! including one created by a process killed before it could record the
//! upload's id — and abort those nobody owns. Signed with `object_store`'s
//! own SigV4 signer and credentials; path-style URL on `AWS_ENDPOINT` (or
//! AWS's regional endpoint).

use object_store::aws::{AmazonS3, AwsAuthorizer};
use object_store::client::HttpRequestBody;

/// A multipart upload in progress: its key (within the bucket) and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub key: String,
    pub upload_id: String,
}

fn env(names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
}

/// Every multipart upload in progress under `prefix` in `bucket`.
pub async fn pending_uploads(s3: &AmazonS3, bucket: &str, prefix: &str) -> Result<Vec<Pending>, String> {
    let region = env(&["AWS_REGION", "AWS_DEFAULT_REGION"]).unwrap_or_else(|| "us-east-1".into());
    let endpoint = env(&["AWS_ENDPOINT", "AWS_ENDPOINT_URL"]).unwrap_or_else(|| format!("https://s3.{region}.amazonaws.com"));
    let credential = s3.credentials().get_credential().await.map_err(|e| e.to_string())?;
    let client = reqwest::Client::new();
    let mut found = Vec::new();
    let (mut key_marker, mut id_marker) = (String::new(), String::new());
    loop {
        let mut url = reqwest::Url::parse(&format!("{}/{bucket}", endpoint.trim_end_matches('/'))).map_err(|e| e.to_string())?;
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("uploads", "").append_pair("prefix", prefix);
            if !key_marker.is_empty() {
                query.append_pair("key-marker", &key_marker).append_pair("upload-id-marker", &id_marker);
            }
        }
        let mut request = http::Request::builder().method(http::Method::GET).uri(url.as_str()).body(HttpRequestBody::from(Vec::new())).map_err(|e| e.to_string())?;
        AwsAuthorizer::new(&credential, "s3", &region).authorize(&mut request, None);
        let mut call = client.get(url);
        for (name, value) in request.headers() {
            call = call.header(name, value);
        }
        let response = call.send().await.map_err(|e| e.to_string())?;
        let status = response.status();
        let xml = response.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("ListMultipartUploads answered {status}: {xml}"));
        }
        for upload in xml.split("<Upload>").skip(1) {
            if let (Some(key), Some(upload_id)) = (element(upload, "Key"), element(upload, "UploadId")) {
                found.push(Pending { key: unescape(&key), upload_id: unescape(&upload_id) });
            }
        }
        if element(&xml, "IsTruncated").as_deref() != Some("true") {
            return Ok(found);
        }
        key_marker = element(&xml, "NextKeyMarker").map(|k| unescape(&k)).unwrap_or_default();
        id_marker = element(&xml, "NextUploadIdMarker").map(|k| unescape(&k)).unwrap_or_default();
        if key_marker.is_empty() {
            return Ok(found);
        }
    }
}

/// The text of the first `<name>…</name>` in `xml`.
fn element(xml: &str, name: &str) -> Option<String> {
    let start = xml.find(&format!("<{name}>"))? + name.len() + 2;
    let end = xml[start..].find(&format!("</{name}>"))? + start;
    Some(xml[start..end].to_string())
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_listing() {
        let xml = "<ListMultipartUploadsResult><IsTruncated>false</IsTruncated><Upload><Key>p/blobs/a&amp;b</Key><UploadId>x1</UploadId></Upload><Upload><Key>p/blobs/c</Key><UploadId>y2</UploadId></Upload></ListMultipartUploadsResult>";
        let uploads: Vec<_> = xml.split("<Upload>").skip(1).map(|u| (unescape(&element(u, "Key").unwrap()), element(u, "UploadId").unwrap())).collect();
        assert_eq!(uploads, [("p/blobs/a&b".to_string(), "x1".to_string()), ("p/blobs/c".to_string(), "y2".to_string())]);
        assert_eq!(element(xml, "IsTruncated").as_deref(), Some("false"));
    }
}
