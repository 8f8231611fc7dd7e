//! Service endpoints: realm domains, region short codes, the per-service host templates and API
//! version prefixes (reference oci-api.md §2, official-provider.md §3.4).

use std::fmt;

/// The three OCI services this client speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    DataFlow,
    Identity,
    ObjectStorage,
}

impl Service {
    pub const ALL: [Service; 3] = [Service::DataFlow, Service::Identity, Service::ObjectStorage];

    /// Key used in `service_endpoints` provider argument maps.
    pub fn key(self) -> &'static str {
        match self {
            Service::DataFlow => "dataflow",
            Service::Identity => "identity",
            Service::ObjectStorage => "objectstorage",
        }
    }

    /// API version path prefix; Object Storage has none.
    pub fn base_path(self) -> &'static str {
        match self {
            Service::DataFlow => "/20200129",
            Service::Identity => "/20160918",
            Service::ObjectStorage => "",
        }
    }

    /// Client name used in the official provider's `CLIENT_HOST_OVERRIDES` entries.
    pub fn host_override_name(self) -> &'static str {
        match self {
            Service::DataFlow => "oci_dataflow.DataFlowClient",
            Service::Identity => "oci_identity.IdentityClient",
            Service::ObjectStorage => "oci_object_storage.ObjectStorageClient",
        }
    }

    pub fn from_key(key: &str) -> Option<Service> {
        Service::ALL.into_iter().find(|s| s.key() == key)
    }

    /// `https://<host>` for a region on OCI, without the base path.
    pub fn host_for_region(self, region: &Region) -> String {
        if region.id.contains('.') {
            // A dotted "region" is a full domain (Go SDK behaviour).
            return format!("https://{}.{}", self.subdomain(), region.id);
        }
        match self {
            Service::ObjectStorage => {
                format!("https://objectstorage.{}.{}", region.id, region.domain)
            }
            _ => format!(
                "https://{}.{}.oci.{}",
                self.subdomain(),
                region.id,
                region.domain
            ),
        }
    }

    fn subdomain(self) -> &'static str {
        match self {
            Service::DataFlow => "dataflow",
            Service::Identity => "identity",
            Service::ObjectStorage => "objectstorage",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A region identifier with the second-level domain of its realm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    pub id: String,
    pub realm: String,
    pub domain: String,
}

/// Realm key → second-level domain.
const REALMS: &[(&str, &str)] = &[
    ("oc1", "oraclecloud.com"),
    ("oc2", "oraclegovcloud.com"),
    ("oc3", "oraclegovcloud.com"),
    ("oc4", "oraclegovcloud.uk"),
    ("oc8", "oraclecloud8.com"),
    ("oc9", "oraclecloud9.com"),
    ("oc10", "oraclecloud10.com"),
    ("oc14", "oraclecloud14.com"),
    ("oc15", "oraclecloud15.com"),
    ("oc19", "oraclecloud.eu"),
    ("oc20", "oraclecloud20.com"),
    ("oc21", "oraclecloud21.com"),
    ("oc23", "oraclecloud23.com"),
    ("oc24", "oraclecloud24.com"),
    ("oc26", "oraclecloud26.com"),
    ("oc29", "oraclecloud29.com"),
    ("oc35", "oraclecloud35.com"),
    ("oc42", "oraclecloud42.com"),
    ("oc51", "oraclecloud51.com"),
    ("oc52", "oraclecloud52.com"),
];

/// Regions outside oc1 (everything else falls back to oc1, as the SDKs do).
const NON_OC1_REGIONS: &[(&str, &str)] = &[
    ("us-langley-1", "oc2"),
    ("us-luke-1", "oc2"),
    ("us-gov-ashburn-1", "oc3"),
    ("us-gov-chicago-1", "oc3"),
    ("us-gov-phoenix-1", "oc3"),
    ("uk-gov-london-1", "oc4"),
    ("uk-gov-cardiff-1", "oc4"),
    ("eu-madrid-2", "oc19"),
    ("eu-frankfurt-2", "oc19"),
];

/// Three-letter region keys the SDKs accept in place of the identifier.
const SHORT_CODES: &[(&str, &str)] = &[
    ("iad", "us-ashburn-1"),
    ("phx", "us-phoenix-1"),
    ("sjc", "us-sanjose-1"),
    ("ord", "us-chicago-1"),
    ("fra", "eu-frankfurt-1"),
    ("lhr", "uk-london-1"),
    ("ams", "eu-amsterdam-1"),
    ("zrh", "eu-zurich-1"),
    ("cdg", "eu-paris-1"),
    ("arn", "eu-stockholm-1"),
    ("mad", "eu-madrid-1"),
    ("lin", "eu-milan-1"),
    ("nrt", "ap-tokyo-1"),
    ("kix", "ap-osaka-1"),
    ("icn", "ap-seoul-1"),
    ("yny", "ap-chuncheon-1"),
    ("bom", "ap-mumbai-1"),
    ("hyd", "ap-hyderabad-1"),
    ("syd", "ap-sydney-1"),
    ("mel", "ap-melbourne-1"),
    ("sin", "ap-singapore-1"),
    ("yyz", "ca-toronto-1"),
    ("yul", "ca-montreal-1"),
    ("gru", "sa-saopaulo-1"),
    ("scl", "sa-santiago-1"),
    ("vcp", "sa-vinhedo-1"),
    ("jed", "me-jeddah-1"),
    ("dxb", "me-dubai-1"),
    ("auh", "me-abudhabi-1"),
    ("jnb", "af-johannesburg-1"),
    ("mtz", "il-jerusalem-1"),
    ("qro", "mx-queretaro-1"),
    ("mty", "mx-monterrey-1"),
    ("lfr", "us-langley-1"),
    ("luf", "us-luke-1"),
    ("ric", "us-gov-ashburn-1"),
    ("pia", "us-gov-chicago-1"),
    ("tus", "us-gov-phoenix-1"),
    ("ltn", "uk-gov-london-1"),
    ("brs", "uk-gov-cardiff-1"),
];

/// Resolves a region name or short code. Unknown regions use `default_realm` (the value of
/// `OCI_DEFAULT_REALM`) if given, else oc1.
pub fn resolve_region(name: &str, default_realm: Option<&str>) -> Region {
    let lower = name.trim().to_ascii_lowercase();
    let id = SHORT_CODES
        .iter()
        .find(|(code, _)| *code == lower)
        .map_or(lower.clone(), |(_, id)| (*id).to_string());
    let realm = NON_OC1_REGIONS
        .iter()
        .find(|(r, _)| *r == id)
        .map(|(_, realm)| (*realm).to_string());
    let known_oc1 = realm.is_none() && SHORT_CODES.iter().any(|(_, r)| *r == id);
    let realm = realm.unwrap_or_else(|| match default_realm {
        Some(r) if !known_oc1 && realm_domain(r).is_some() => r.to_ascii_lowercase(),
        _ => "oc1".to_string(),
    });
    let domain = realm_domain(&realm)
        .unwrap_or("oraclecloud.com")
        .to_string();
    Region { id, realm, domain }
}

pub fn realm_domain(realm: &str) -> Option<&'static str> {
    let realm = realm.to_ascii_lowercase();
    REALMS.iter().find(|(r, _)| *r == realm).map(|(_, d)| *d)
}

/// The service's base URL (with version prefix) from an override base URL: the prefix is added
/// unless the URL already ends with it, as the SDKs do for `service_endpoint`.
pub fn base_url_from_override(service: Service, raw: &str) -> Result<reqwest::Url, String> {
    let trimmed = raw.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(trimmed).map_err(|e| format!("`{raw}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{raw}` must use http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{raw}` has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err(format!(
            "`{raw}` must not contain a query, fragment or user info"
        ));
    }
    let path = url.path().trim_end_matches('/');
    let base = service.base_path();
    let full = if path.ends_with(base) || base.is_empty() {
        trimmed.to_string()
    } else {
        format!("{trimmed}{base}")
    };
    reqwest::Url::parse(&full).map_err(|e| format!("`{raw}`: {e}"))
}

/// The service's base URL on OCI for a region.
pub fn base_url_for_region(service: Service, region: &Region) -> Result<reqwest::Url, String> {
    let s = format!("{}{}", service.host_for_region(region), service.base_path());
    reqwest::Url::parse(&s).map_err(|e| {
        format!(
            "region `{}` does not give a valid {service} endpoint ({s}): {e}",
            region.id
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(service: Service, region: &str, realm: Option<&str>) -> String {
        base_url_for_region(service, &resolve_region(region, realm))
            .unwrap()
            .to_string()
    }

    #[test]
    fn templates_per_realm() {
        assert_eq!(
            url(Service::DataFlow, "iad", None),
            "https://dataflow.us-ashburn-1.oci.oraclecloud.com/20200129"
        );
        assert_eq!(
            url(Service::Identity, "us-langley-1", None),
            "https://identity.us-langley-1.oci.oraclegovcloud.com/20160918"
        );
        assert_eq!(
            url(Service::DataFlow, "uk-gov-london-1", None),
            "https://dataflow.uk-gov-london-1.oci.oraclegovcloud.uk/20200129"
        );
        assert_eq!(
            url(Service::ObjectStorage, "eu-madrid-2", None),
            "https://objectstorage.eu-madrid-2.oraclecloud.eu/"
        );
        // Unknown regions fall back to oc1, or to OCI_DEFAULT_REALM when set.
        assert_eq!(
            url(Service::Identity, "xx-new-1", None),
            "https://identity.xx-new-1.oci.oraclecloud.com/20160918"
        );
        assert_eq!(
            url(Service::Identity, "xx-new-1", Some("oc8")),
            "https://identity.xx-new-1.oci.oraclecloud8.com/20160918"
        );
        assert_eq!(
            url(Service::Identity, "us-ashburn-1", Some("oc8")),
            "https://identity.us-ashburn-1.oci.oraclecloud.com/20160918",
            "a known oc1 region keeps its realm"
        );
        assert_eq!(
            url(Service::DataFlow, "my.region.example", None),
            "https://dataflow.my.region.example/20200129"
        );
    }

    #[test]
    fn overrides_add_the_base_path_once() {
        let u = |s, raw| base_url_from_override(s, raw).map(|u| u.to_string());
        assert_eq!(
            u(Service::DataFlow, "http://127.0.0.1:1/").unwrap(),
            "http://127.0.0.1:1/20200129"
        );
        assert_eq!(
            u(Service::DataFlow, "http://127.0.0.1:1/20200129").unwrap(),
            "http://127.0.0.1:1/20200129"
        );
        assert_eq!(
            u(Service::ObjectStorage, "https://h.example").unwrap(),
            "https://h.example/"
        );
        assert!(u(Service::Identity, "http://h/?x=1").is_err());
        assert!(u(Service::Identity, "http://user@h").is_err());
        assert!(u(Service::Identity, "127.0.0.1:1").is_err());
    }
}
