#!/usr/bin/env python3
"""Generates signature test vectors with the official OCI Python SDK's signer.

Run from anywhere with a Python that has `pip install oci` (checked with oci 2.189.0 into a
throw-away venv, e.g. `python3 -m venv /tmp/ocivenv && /tmp/ocivenv/bin/pip install oci`):

    /tmp/ocivenv/bin/python oci-client/tests/vectors/generate.py

It writes `signatures.json` beside itself. The key is the checked-in TEST key in
`../fixtures/keys/` (generated for these tests only, see make_keys.sh); the OCIDs are fake and the
date is fixed, so RSASSA-PKCS1-v1_5 (deterministic) gives the same signature every time. The Rust
test `signer_matches_official_sdk_vectors` recomputes each request and compares byte for byte.
"""
import json
import os
import sys

import oci
from oci._vendor import requests  # the SDK vendors its own copy of requests
from oci.auth.signers import SecurityTokenSigner

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = os.path.join(HERE, "..", "fixtures", "keys")
DATE = "Sat, 21 Nov 2026 02:25:26 GMT"
TENANCY = "ocid1.tenancy.oc1..aaaaaaaatesttenancy"
USER = "ocid1.user.oc1..aaaaaaaatestuser"
TOKEN = "eyJraWQiOiJ0ZXN0IiwiYWxnIjoiUlMyNTYifQ.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl"

with open(os.path.join(KEYS, "fingerprint.txt")) as f:
    FINGERPRINT = f.read().strip()
KEY_FILE = os.path.join(KEYS, "pkcs8.pem")

api_key_signer = oci.signer.Signer(TENANCY, USER, FINGERPRINT, KEY_FILE)
token_signer = SecurityTokenSigner(TOKEN, oci.signer.load_private_key_from_file(KEY_FILE))

APP_JSON = json.dumps({
    "compartmentId": "ocid1.compartment.oc1..aaaa", "displayName": "app1",
    "driverShape": "VM.Standard2.1", "executorShape": "VM.Standard2.1",
    "fileUri": "oci://b@ns/app.py", "language": "PYTHON", "numExecutors": 1,
    "sparkVersion": "3.2.1"})

# (name, signer, method, url, body, content-type, enforce_content_headers)
# enforce_content_headers=False is how the SDK's ObjectStorageClient sends PutObject/UploadPart.
CASES = [
    ("get_with_query", "api_key", "GET",
     "http://127.0.0.1:18443/20200129/runs?compartmentId=ocid1.compartment.oc1..aaaa&limit=10"
     "&page=abc%3D%3D&sortBy=timeCreated&sortOrder=DESC", None, "application/json", True),
    ("get_default_port", "api_key", "GET",
     "https://objectstorage.us-ashburn-1.oraclecloud.com/n", None, "application/json", True),
    ("post_json", "api_key", "POST",
     "https://dataflow.us-ashburn-1.oci.oraclecloud.com/20200129/applications", APP_JSON,
     "application/json", True),
    ("put_json_update", "api_key", "PUT",
     "http://127.0.0.1:18443/20160918/policies/ocid1.policy.oc1..aaaa",
     json.dumps({"description": "d\u00e9j\u00e0 vu", "statements": ["allow any-user to read buckets in tenancy"]}, ensure_ascii=False),
     "application/json", True),
    ("put_object_slash_space_percent", "api_key", "PUT",
     "http://127.0.0.1:18443/n/mynamespace/b/bkt/o/dir%2Fhello%20world%2550%25.txt", "hello",
     "application/octet-stream", False),
    ("upload_part", "api_key", "PUT",
     "http://127.0.0.1:18443/n/mynamespace/b/bkt/u/big%2Ffile.bin?uploadId=abc-123&uploadPartNum=2",
     "part-two-bytes", "application/octet-stream", False),
    ("delete", "api_key", "DELETE",
     "https://identity.us-ashburn-1.oci.oraclecloud.com/20160918/policies/ocid1.policy.oc1..aaaa",
     None, "application/json", True),
    ("head_object", "api_key", "HEAD",
     "http://127.0.0.1:18443/n/mynamespace/b/bkt/o/a%20b", None, "application/json", True),
    ("post_empty_body", "api_key", "POST",
     "http://127.0.0.1:18443/20200129/applications/ocid1.dataflowapplication.oc1.iad.aaaa"
     "/actions/cascadingDeleteApplication", None, "application/json", True),
    ("security_token_get", "token", "GET",
     "http://127.0.0.1:18443/20160918/compartments/ocid1.tenancy.oc1..aaaaaaaatesttenancy",
     None, "application/json", True),
]


# Object names as the SDK's BaseClient encodes path parameters (strict encoding:
# quote(v, safe=''), plus '.'/'..' → %2E for Object Storage).
PATH_PARAMS = ["dir/hello world%.txt", "a+b=c&d?e#f", "ünïcødé/ファイル", "tab\there", "~user_name-1.0",
               "semi;colon,comma:colon@at!bang$dollar'quote(paren)*star", "back\\slash"]


class _CapturePaths(requests.adapters.BaseAdapter):
    """A transport that records the request target instead of sending it."""

    def __init__(self):
        super().__init__()
        self.paths = []

    def send(self, request, **kwargs):
        self.paths.append(request.path_url)
        response = requests.models.Response()
        response.status_code = 200
        response._content = b""
        response.request = request
        response.url = request.url
        return response

    def close(self):
        pass


def encoded_path_params():
    """Object names as the SDK's own ObjectStorageClient puts them on the wire (HeadObject)."""
    config = {"user": USER, "tenancy": TENANCY, "fingerprint": FINGERPRINT, "key_file": KEY_FILE,
              "region": "us-ashburn-1"}
    client = oci.object_storage.ObjectStorageClient(
        config, service_endpoint="http://127.0.0.1:1", retry_strategy=oci.retry.NoneRetryStrategy())
    capture = _CapturePaths()
    client.base_client.session.mount("http://", capture)
    for name in PATH_PARAMS:
        client.head_object("ns", "b", name)
    return [{"name": n, "path": p} for n, p in zip(PATH_PARAMS, capture.paths, strict=True)]


def main():
    out = []
    for name, which, method, url, body, ctype, enforce in CASES:
        signer = api_key_signer if which == "api_key" else token_signer
        headers = {"date": DATE, "content-type": ctype}
        req = requests.Request(method, url, headers=headers,
                               data=body.encode("utf-8") if body is not None else None).prepare()
        signer.do_request_sign(req, enforce_content_headers=enforce)
        h = {k.lower(): v for k, v in req.headers.items()}
        if req.path_url not in url:
            sys.exit(f"{name}: requests changed the URL ({req.path_url})")
        out.append({
            "name": name,
            "auth": which,
            "method": method,
            "url": url,
            "date": DATE,
            "content_type": ctype,
            "body": body,
            "sign_body": enforce,
            "expected": {k: h[k] for k in
                         ("authorization", "host", "content-length", "x-content-sha256")
                         if k in h},
        })
    meta = {
        "generator": f"oci {oci.__version__} (Python SDK) oci.signer.Signer / SecurityTokenSigner",
        "tenancy": TENANCY, "user": USER, "fingerprint": FINGERPRINT, "security_token": TOKEN,
        "key_file": "../fixtures/keys/pkcs8.pem",
    }
    with open(os.path.join(HERE, "signatures.json"), "w") as f:
        json.dump({"meta": meta, "vectors": out, "path_params": encoded_path_params()}, f,
                  indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
