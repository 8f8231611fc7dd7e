"""Drive the emulator with the official OCI Python SDK through every emulated operation.

Usage: python sdk_conformance.py --endpoint URL --config FILE --profile EMULATOR --workdir DIR

Every check prints one line; the script exits 1 if any check failed (and says which), 0 otherwise.
Waits are condition polls with a deadline (oci.wait_until), never fixed sleeps.
"""

import argparse
import copy
import gzip
import hashlib
import base64
import os
import sys
import time
import traceback

import oci
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

FAILURES = []
PASSED = 0


def check(cond, what, detail=""):
    global PASSED
    if cond:
        PASSED += 1
        print(f"  ok   {what}")
    else:
        FAILURES.append(what)
        print(f"  FAIL {what} {detail}")


def expect_error(what, status, code, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except oci.exceptions.ServiceError as e:
        check(e.status == status and (code is None or e.code == code), what,
              f"(got {e.status} {e.code}: {e.message})")
        return e
    check(False, what, f"(expected {status} {code}, the call succeeded)")
    return None


def section(name, fn, *args):
    print(f"== {name}")
    try:
        fn(*args)
    except Exception:  # a crash in one section is a failure, the others still run
        FAILURES.append(f"{name}: exception")
        traceback.print_exc()


def client(cls, cfg, ep):
    """A client against the emulator that fails at once instead of retrying with back-off."""
    return cls(cfg, service_endpoint=ep, retry_strategy=oci.retry.NoneRetryStrategy())


def wait_state(client, get_response, state, seconds=60):
    return oci.wait_until(client, get_response, "lifecycle_state", state,
                          max_interval_seconds=1, max_wait_seconds=seconds)


# --------------------------------------------------------------------------------------------
# Object Storage

def object_storage(cfg, ep, tenancy, workdir):
    os_ = client(oci.object_storage.ObjectStorageClient, cfg, ep)
    M = oci.object_storage.models
    ns = os_.get_namespace().data
    check(isinstance(ns, str) and len(ns) > 0, "GetNamespace returns the namespace string")
    meta = os_.get_namespace_metadata(ns).data
    check(meta.namespace == ns, "GetNamespaceMetadata")
    expect_error("GetNamespaceMetadata of another namespace is 404", 404, None,
                 os_.get_namespace_metadata, "nonexistentns")

    names = ["conf-b1", "conf-b2", "conf-b3"]
    for n in names:
        r = os_.create_bucket(ns, M.CreateBucketDetails(name=n, compartment_id=tenancy))
        check(r.status == 200 and r.data.name == n and r.headers.get("etag"), f"CreateBucket {n}")
    expect_error("CreateBucket twice is 409 BucketAlreadyExists", 409, "BucketAlreadyExists",
                 os_.create_bucket, ns, M.CreateBucketDetails(name="conf-b1", compartment_id=tenancy))
    b = os_.get_bucket(ns, "conf-b1", fields=["approximateCount", "approximateSize"])
    check(b.data.name == "conf-b1" and b.data.approximate_count == 0, "GetBucket with fields")
    h = os_.head_bucket(ns, "conf-b1")
    check(h.status == 200 and h.headers.get("etag") == b.headers.get("etag"), "HeadBucket etag")
    expect_error("GetBucket of a missing bucket is 404 BucketNotFound", 404, "BucketNotFound",
                 os_.get_bucket, ns, "conf-missing")
    expect_error("HeadBucket of a missing bucket is 404", 404, None, os_.head_bucket, ns, "conf-missing")

    pages = oci.pagination.list_call_get_all_results(os_.list_buckets, ns, tenancy, limit=1)
    listed = sorted(x.name for x in pages.data if x.name.startswith("conf-"))
    check(listed == names, "ListBuckets paginated with limit=1 returns every bucket", listed)
    first = os_.list_buckets(ns, tenancy, limit=1)
    check(first.has_next_page and len(first.data) == 1, "ListBuckets limit=1 has opc-next-page")

    u = os_.update_bucket(ns, "conf-b2", M.UpdateBucketDetails(freeform_tags={"k": "v"}))
    check(u.data.freeform_tags == {"k": "v"}, "UpdateBucket tags")
    expect_error("UpdateBucket with a wrong if-match is 412", 412, None, os_.update_bucket, ns, "conf-b2",
                 M.UpdateBucketDetails(freeform_tags={"k": "w"}), if_match="not-the-etag")

    body = b"hello, emulator\n" * 100
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    p = os_.put_object(ns, "conf-b1", "dir/hello world.txt", body, content_type="text/plain", content_md5=md5,
                       opc_meta={"owner": "conformance"})
    check(p.status == 200 and p.headers.get("opc-content-md5") == md5, "PutObject with content-md5")
    expect_error("PutObject with a wrong content-md5 is 400", 400, None, os_.put_object, ns, "conf-b1", "bad",
                 body, content_md5=base64.b64encode(b"0" * 16).decode())
    g = os_.get_object(ns, "conf-b1", "dir/hello world.txt")
    check(g.data.content == body, "GetObject returns the exact bytes")
    check(g.headers.get("content-type") == "text/plain", "GetObject echoes content-type")
    check(g.headers.get("opc-meta-owner") == "conformance", "GetObject returns opc-meta-*")
    r = os_.get_object(ns, "conf-b1", "dir/hello world.txt", range="bytes=0-4")
    check(r.status == 206 and r.data.content == b"hello", "GetObject range")
    ho = os_.head_object(ns, "conf-b1", "dir/hello world.txt")
    check(int(ho.headers.get("content-length")) == len(body), "HeadObject content-length")
    expect_error("GetObject of a missing object is 404", 404, None, os_.get_object, ns, "conf-b1", "nope")
    expect_error("PutObject with if-none-match * on an existing object is 412", 412, None, os_.put_object, ns,
                 "conf-b1", "dir/hello world.txt", b"x", if_none_match="*")
    expect_error("PutObject with a wrong if-match is 412", 412, None, os_.put_object, ns, "conf-b1",
                 "dir/hello world.txt", b"x", if_match="wrong")

    for i in range(5):
        os_.put_object(ns, "conf-b1", f"list/obj-{i}", f"{i}".encode())
    all_objects = oci.pagination.list_call_get_all_results(os_.list_objects, ns, "conf-b1", prefix="list/",
                                                           limit=2, fields="name,size,md5,etag")
    got = [o.name for o in all_objects.data.objects]
    check(got == [f"list/obj-{i}" for i in range(5)], "ListObjects paginated via nextStartWith", got)
    check(all(o.size == 1 for o in all_objects.data.objects), "ListObjects fields=size")
    d = os_.list_objects(ns, "conf-b1", delimiter="/")
    check(sorted(d.data.prefixes or []) == ["dir/", "list/"], "ListObjects delimiter prefixes", d.data.prefixes)

    versions = os_.list_object_versions(ns, "conf-b1", prefix="list/").data.items
    check(sorted(v.name for v in versions) == [f"list/obj-{i}" for i in range(5)]
          and all(v.version_id for v in versions), "ListObjectVersions")
    os_.rename_object(ns, "conf-b1", M.RenameObjectDetails(source_name="list/obj-0", new_name="list/renamed"))
    check(os_.get_object(ns, "conf-b1", "list/renamed").data.content == b"0", "RenameObject")
    expect_error("RenameObject from a missing source is 404", 404, None, os_.rename_object, ns, "conf-b1",
                 M.RenameObjectDetails(source_name="list/nope", new_name="x"))

    # Multipart upload.
    mp = os_.create_multipart_upload(ns, "conf-b2", M.CreateMultipartUploadDetails(object="big.bin")).data
    parts = [os.urandom(1024 * 64), os.urandom(1000)]
    etags = []
    for i, part in enumerate(parts, start=1):
        etags.append(os_.upload_part(ns, "conf-b2", "big.bin", mp.upload_id, i, part).headers["etag"])
    listed_parts = os_.list_multipart_upload_parts(ns, "conf-b2", "big.bin", mp.upload_id).data
    check([x.part_number for x in listed_parts] == [1, 2], "ListMultipartUploadParts")
    uploads = os_.list_multipart_uploads(ns, "conf-b2").data
    check(any(x.upload_id == mp.upload_id for x in uploads), "ListMultipartUploads")
    os_.commit_multipart_upload(ns, "conf-b2", "big.bin", mp.upload_id, M.CommitMultipartUploadDetails(
        parts_to_commit=[M.CommitMultipartUploadPartDetails(part_num=i + 1, etag=e) for i, e in enumerate(etags)]))
    check(os_.get_object(ns, "conf-b2", "big.bin").data.content == b"".join(parts), "CommitMultipartUpload concatenates")
    mp2 = os_.create_multipart_upload(ns, "conf-b2", M.CreateMultipartUploadDetails(object="aborted.bin")).data
    os_.abort_multipart_upload(ns, "conf-b2", "aborted.bin", mp2.upload_id)
    expect_error("UploadPart to an aborted upload is 404", 404, None, os_.upload_part, ns, "conf-b2",
                 "aborted.bin", mp2.upload_id, 1, b"x")

    # Retention rules.
    rr = os_.create_retention_rule(ns, "conf-b3", M.CreateRetentionRuleDetails(
        display_name="keep", duration=M.Duration(time_amount=1, time_unit="DAYS"))).data
    check(rr.display_name == "keep" and rr.duration.time_amount == 1, "CreateRetentionRule")
    check([x.id for x in os_.list_retention_rules(ns, "conf-b3").data.items] == [rr.id], "ListRetentionRules")
    check(os_.get_retention_rule(ns, "conf-b3", rr.id).data.id == rr.id, "GetRetentionRule")
    upd = os_.update_retention_rule(ns, "conf-b3", rr.id, M.UpdateRetentionRuleDetails(
        duration=M.Duration(time_amount=2, time_unit="DAYS"))).data
    check(upd.duration.time_amount == 2, "UpdateRetentionRule")
    os_.delete_retention_rule(ns, "conf-b3", rr.id)
    expect_error("GetRetentionRule after delete is 404", 404, None, os_.get_retention_rule, ns, "conf-b3", rr.id)

    expect_error("DeleteBucket of a non-empty bucket is 409 BucketNotEmpty", 409, "BucketNotEmpty",
                 os_.delete_bucket, ns, "conf-b2")
    os_.delete_object(ns, "conf-b2", "big.bin")
    expect_error("DeleteBucket with a wrong if-match is 412", 412, None, os_.delete_bucket, ns, "conf-b2",
                 if_match="wrong")
    check(os_.delete_bucket(ns, "conf-b2").status == 204, "DeleteBucket 204")
    os_.delete_bucket(ns, "conf-b3")
    return ns


# --------------------------------------------------------------------------------------------
# IAM

RULE = "ALL {resource.type = 'dataflowrun', resource.compartment.id = '%s'}"


def identity(cfg, ep, tenancy):
    iam = client(oci.identity.IdentityClient, cfg, ep)
    M = oci.identity.models
    ten = iam.get_tenancy(tenancy).data
    check(ten.id == tenancy and ten.home_region_key == "IAD", "GetTenancy")
    subs = iam.list_region_subscriptions(tenancy).data
    check((subs[0].region_name, subs[0].is_home_region) == (cfg["region"], True)
          and not any(r.is_home_region for r in subs[1:]), "ListRegionSubscriptions: the home region first")
    check(any(r.name == cfg["region"] for r in iam.list_regions().data), "ListRegions")
    comp = iam.create_compartment(M.CreateCompartmentDetails(
        compartment_id=tenancy, name="conformance", description="SDK conformance")).data
    check(comp.compartment_id == tenancy and comp.lifecycle_state == "ACTIVE", "CreateCompartment")
    check(iam.get_compartment(comp.id).data.name == "conformance", "GetCompartment")
    subtree = oci.pagination.list_call_get_all_results(iam.list_compartments, tenancy,
                                                       compartment_id_in_subtree=True, access_level="ANY", limit=1)
    check(comp.id in [c.id for c in subtree.data], "ListCompartments subtree, paginated")

    dg = iam.create_dynamic_group(M.CreateDynamicGroupDetails(
        compartment_id=tenancy, name="dg-conformance", description="runs", matching_rule=RULE % comp.id))
    dg = wait_state(iam, iam.get_dynamic_group(dg.data.id), "ACTIVE").data
    check(dg.matching_rule == RULE % comp.id, "CreateDynamicGroup + wait ACTIVE")
    e = expect_error("CreateDynamicGroup with a bad matching rule is 400 InvalidParameter", 400, "InvalidParameter",
                     iam.create_dynamic_group, M.CreateDynamicGroupDetails(
                         compartment_id=tenancy, name="dg-bad", description="",
                         matching_rule="ALL {resource.type = dataflowrun}"))
    check(e is not None and "a quoted value" in e.message, "matching-rule error message says what is wrong",
          e and e.message)
    expect_error("CreateDynamicGroup with a taken name is 409", 409, None, iam.create_dynamic_group,
                 M.CreateDynamicGroupDetails(compartment_id=tenancy, name="dg-conformance", description="",
                                             matching_rule=RULE % comp.id))
    g = iam.get_dynamic_group(dg.id)
    u = iam.update_dynamic_group(dg.id, M.UpdateDynamicGroupDetails(description="changed"), if_match=g.headers["etag"])
    check(u.data.description == "changed" and u.headers["etag"] != g.headers["etag"], "UpdateDynamicGroup with if-match")
    expect_error("UpdateDynamicGroup with a stale if-match is 412", 412, "NoEtagMatch", iam.update_dynamic_group,
                 dg.id, M.UpdateDynamicGroupDetails(description="x"), if_match=g.headers["etag"])

    # Retried create with the same retry token: one resource.
    details = M.CreatePolicyDetails(compartment_id=comp.id, name="conformance-p0", description="",
                                    statements=["Allow dynamic-group dg-conformance to read buckets in compartment conformance"])
    a = iam.create_policy(details, opc_retry_token="conformance-token-1").data
    b = iam.create_policy(details, opc_retry_token="conformance-token-1").data
    check(a.id == b.id, "CreatePolicy retried with the same opc-retry-token returns the same policy")
    details.name = "conformance-other"
    expect_error("Same retry token with a different body is 409", 409, "InvalidatedRetryToken",
                 iam.create_policy, details, opc_retry_token="conformance-token-1")

    for i in range(1, 5):
        iam.create_policy(M.CreatePolicyDetails(
            compartment_id=comp.id, name=f"conformance-p{i}", description=f"p{i}", version_date="2018-08-23",
            statements=["Allow dynamic-group dg-conformance to manage objects in compartment conformance "
                        f"where target.bucket.name = 'b{i}'"]))
    everything = oci.pagination.list_call_get_all_results(iam.list_policies, comp.id, limit=2)
    names = sorted(p.name for p in everything.data)
    check(names == [f"conformance-p{i}" for i in range(5)], "ListPolicies paginated (limit=2)", names)
    full = iam.list_policies(comp.id, limit=5)
    check(len(full.data) == 5 and full.has_next_page, "a full IAM page carries opc-next-page")
    tail = iam.list_policies(comp.id, limit=5, page=full.next_page)
    check(tail.data == [] and not tail.has_next_page, "...and the next page is empty with no token (IAM quirk)")
    by_name = iam.list_policies(comp.id, name="conformance-p3").data
    check([p.name for p in by_name] == ["conformance-p3"], "ListPolicies name filter")
    check(str(by_name[0].version_date)[:10] == "2018-08-23", "versionDate round-trips", by_name[0].version_date)
    e = expect_error("CreatePolicy with a bad statement is 400 InvalidParameter", 400, "InvalidParameter",
                     iam.create_policy, M.CreatePolicyDetails(compartment_id=comp.id, name="bad", description="",
                                                              statements=["Allow group A to raed buckets in tenancy"]))
    check(e is not None and "verb" in e.message, "policy error message names the problem", e and e.message)
    pol = iam.get_policy(a.id)
    up = iam.update_policy(a.id, M.UpdatePolicyDetails(statements=["Allow any-user to inspect buckets in tenancy"]),
                           if_match=pol.headers["etag"])
    check(up.data.statements == ["Allow any-user to inspect buckets in tenancy"], "UpdatePolicy")
    expect_error("UpdatePolicy with a stale if-match is 412 (if-match conflict)", 412, "NoEtagMatch",
                 iam.update_policy, a.id, M.UpdatePolicyDetails(description="x"), if_match=pol.headers["etag"])

    for p in everything.data:
        iam.delete_policy(p.id)
    wait_state(iam, iam.get_policy(a.id), "DELETED")
    check(iam.list_policies(comp.id).data == [], "policies gone from ListPolicies after delete")
    iam.delete_dynamic_group(dg.id)
    deleted = wait_state(iam, iam.get_dynamic_group(dg.id), "DELETED").data
    check(deleted.lifecycle_state == "DELETED", "DeleteDynamicGroup reaches DELETED")
    expect_error("GetPolicy of an unknown id is 404", 404, "NotAuthorizedOrNotFound", iam.get_policy,
                 "ocid1.policy.oc1..doesnotexist")
    return comp.id


# --------------------------------------------------------------------------------------------
# Data Flow

def data_flow(cfg, ep, tenancy, ns, compartment):
    os_ = client(oci.object_storage.ObjectStorageClient, cfg, ep)
    OM = oci.object_storage.models
    for b in ["df-input", "df-output", "df-logs"]:
        os_.create_bucket(ns, OM.CreateBucketDetails(name=b, compartment_id=tenancy))
    os_.put_object(ns, "df-input", "sales.csv", b"order_id,customer_id,amount,region\n1001,C001,120.50,APAC\n")
    os_.put_object(ns, "df-input", "scripts/etl_sales.py", b"import sys\n")

    df = client(oci.data_flow.DataFlowClient, cfg, ep)
    M = oci.data_flow.models
    shape = M.ShapeConfig(ocpus=1, memory_in_gbs=16)
    details = M.CreateApplicationDetails(
        compartment_id=tenancy, display_name="dataflow-sales-etl", language="PYTHON", spark_version="3.2.1",
        driver_shape="VM.Standard.E4.Flex", driver_shape_config=shape,
        executor_shape="VM.Standard.E4.Flex", executor_shape_config=shape, num_executors=1,
        file_uri=f"oci://df-input@{ns}/scripts/etl_sales.py",
        arguments=[f"oci://df-input@{ns}/sales.csv", "${output}"],
        parameters=[M.ApplicationParameter(name="output", value=f"oci://df-output@{ns}/curated/sales_parquet/")],
        logs_bucket_uri=f"oci://df-logs@{ns}/")
    created = df.create_application(details, opc_retry_token="df-app-token")
    app = created.data
    check(app.lifecycle_state == "ACTIVE" and app.driver_shape_config.memory_in_gbs == 16, "CreateApplication")
    again = df.create_application(details, opc_retry_token="df-app-token").data
    check(again.id == app.id, "CreateApplication retried with the same token returns the same application")
    check(df.get_application(app.id).data.display_name == "dataflow-sales-etl", "GetApplication")
    bad = copy.deepcopy(details)
    bad.driver_shape_config = None
    e = expect_error("CreateApplication without a flex shape config is 400", 400, "InvalidParameter",
                     df.create_application, bad)
    check(e is not None and "driverShapeConfig" in e.message, "validation message names driverShapeConfig",
          e and e.message)
    for i in range(3):
        extra = copy.deepcopy(details)
        extra.display_name = f"extra-{i}"
        df.create_application(extra)
    apps = oci.pagination.list_call_get_all_results(df.list_applications, tenancy, limit=2)
    check(len(apps.data) == 4, "ListApplications paginated (limit=2)", len(apps.data))
    starts = df.list_applications(tenancy, display_name_starts_with="extra-", sort_by="displayName",
                                  sort_order="ASC").data
    check([a.display_name for a in starts] == ["extra-0", "extra-1", "extra-2"], "ListApplications filter + sort")
    cur = df.get_application(app.id)
    upd = df.update_application(M.UpdateApplicationDetails(description="lab"), app.id, if_match=cur.headers["etag"])
    check(upd.data.description == "lab", "UpdateApplication")
    expect_error("UpdateApplication with a stale if-match is 412", 412, "NoEtagMatch", df.update_application,
                 M.UpdateApplicationDetails(description="x"), app.id, if_match=cur.headers["etag"])

    run = df.create_run(M.CreateRunDetails(compartment_id=tenancy, application_id=app.id, display_name="lab-run")).data
    check(run.lifecycle_state in ("ACCEPTED", "IN_PROGRESS", "SUCCEEDED"), "CreateRun", run.lifecycle_state)
    done = wait_state(df, df.get_run(run.id), "SUCCEEDED").data
    check(done.lifecycle_state == "SUCCEEDED" and done.run_duration_in_milliseconds >= 0, "run reaches SUCCEEDED")
    out = os_.list_objects(ns, "df-output", prefix="curated/sales_parquet/").data.objects
    out_names = [o.name for o in out]
    check("curated/sales_parquet/_SUCCESS" in out_names
          and any(n.endswith(".parquet") and "/part-00000-" in n for n in out_names),
          "emulated output: _SUCCESS and a part-*.parquet", out_names)
    logs = oci.pagination.list_call_get_all_results(df.list_run_logs, run.id, limit=1).data
    check(sorted(l.type for l in logs) == ["STDERR", "STDOUT"], "ListRunLogs (paginated)")
    stdout = [l for l in logs if l.type == "STDOUT"][0]
    text = gzip.decompress(df.get_run_log(run.id, stdout.name).data.content).decode()
    check("curated/sales_parquet/" in text, "GetRunLog returns a gzip driver log", text[:200])
    in_bucket = [o.name for o in os_.list_objects(ns, "df-logs", prefix=run.id).data.objects]
    check(len(in_bucket) == 2, "driver logs written to the logs bucket", in_bucket)

    missing = copy.deepcopy(details)
    missing.display_name = "missing-script"
    missing.file_uri = f"oci://df-input@{ns}/scripts/ETL_sales.py"
    app2 = df.create_application(missing).data
    run2 = df.create_run(M.CreateRunDetails(compartment_id=tenancy, application_id=app2.id)).data
    failed = wait_state(df, df.get_run(run2.id), "FAILED").data
    check("ETL_sales.py" in (failed.lifecycle_details or ""), "missing script: FAILED with lifecycleDetails",
          failed.lifecycle_details)

    runs = oci.pagination.list_call_get_all_results(df.list_runs, tenancy, limit=1).data
    check({r.id for r in runs} == {run.id, run2.id}, "ListRuns paginated (limit=1)")
    check([r.id for r in df.list_runs(tenancy, lifecycle_state="FAILED").data] == [run2.id], "ListRuns state filter")
    ur = df.update_run(M.UpdateRunDetails(freeform_tags={"lab": "yes"}), run.id).data
    check(ur.freeform_tags == {"lab": "yes"}, "UpdateRun tags")
    df.change_run_compartment(run.id, M.ChangeRunCompartmentDetails(compartment_id=compartment))
    check(df.get_run(run.id).data.compartment_id == compartment, "ChangeRunCompartment")

    # Output appears at the finish time by itself (the emulator's settle timer), without any
    # Data Flow request: poll Object Storage only, with a deadline.
    timed = df.create_run(M.CreateRunDetails(compartment_id=tenancy, application_id=app.id, parameters=[
        M.ApplicationParameter(name="output", value=f"oci://df-output@{ns}/timer/")])).data
    deadline = time.monotonic() + 30
    found = []
    while time.monotonic() < deadline and "timer/_SUCCESS" not in found:
        found = [o.name for o in os_.list_objects(ns, "df-output", prefix="timer/").data.objects]
        time.sleep(0.1)
    check("timer/_SUCCESS" in found, "run output is written at the finish time without polling the run", found)
    check(df.get_run(timed.id).data.lifecycle_state == "SUCCEEDED", "...and the run is SUCCEEDED")

    # Cancel: a second run canceled right away goes CANCELING → CANCELED (or had finished).
    run3 = df.create_run(M.CreateRunDetails(compartment_id=tenancy, application_id=app.id)).data
    check(df.delete_run(run3.id).status in (202, 204), "DeleteRun accepted")
    end = oci.wait_until(df, df.get_run(run3.id), evaluate_response=lambda r: r.data.lifecycle_state in
                         ("CANCELED", "SUCCEEDED"), max_interval_seconds=1, max_wait_seconds=60).data
    check(end.lifecycle_state in ("CANCELED", "SUCCEEDED"), "canceled run ends", end.lifecycle_state)

    df.change_application_compartment(app2.id, M.ChangeApplicationCompartmentDetails(compartment_id=compartment))
    check(df.get_application(app2.id).data.compartment_id == compartment, "ChangeApplicationCompartment")
    df.delete_application(app2.id)
    gone = wait_state(df, df.get_application(app2.id), "DELETED").data
    check(gone.lifecycle_state == "DELETED", "DeleteApplication reaches DELETED")
    # Cascading delete (the official provider's terminate_runs_on_deletion path).
    extra_app = df.list_applications(tenancy, display_name="extra-0").data[0]
    run4 = df.create_run(M.CreateRunDetails(compartment_id=tenancy, application_id=extra_app.id)).data
    casc = df.cascading_delete_application(extra_app.id)
    wr_id = casc.headers.get("opc-work-request-id")
    check(casc.status == 202 and wr_id, "CascadingDeleteApplication 202 with opc-work-request-id")
    wr = oci.wait_until(df, df.get_work_request(wr_id), "status", "SUCCEEDED", max_interval_seconds=1,
                        max_wait_seconds=60).data
    check(any(r.resource_id == extra_app.id and r.action_type == "DELETED" for r in wr.resources)
          and wr.time_finished is not None, "work request lists the application as DELETED")
    check(df.list_work_request_errors(wr_id).data.items == [], "ListWorkRequestErrors is empty")
    check(df.get_run(run4.id).data.lifecycle_state in ("CANCELING", "CANCELED", "SUCCEEDED"),
          "cascading delete ends the application's runs")
    check(df.get_application(extra_app.id).data.lifecycle_state in ("DELETING", "DELETED"),
          "cascading delete deletes the application")
    expect_error("GetRun of an unknown id is 404", 404, "NotAuthorizedOrNotFound", df.get_run,
                 "ocid1.dataflowrun.oc1.us-ashburn-1.doesnotexist")


# --------------------------------------------------------------------------------------------
# Authentication

def bad_signature(cfg, ep, workdir):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = os.path.join(workdir, "other_key.pem")
    with open(path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    other = dict(cfg)
    other["key_file"] = path  # same keyId (user/fingerprint), different private key
    for name, c in [("objectstorage", client(oci.object_storage.ObjectStorageClient, other, ep)),
                         ("identity", client(oci.identity.IdentityClient, other, ep)),
                         ("dataflow", client(oci.data_flow.DataFlowClient, other, ep))]:
        if name == "objectstorage":
            fn, args = c.get_namespace, ()
        elif name == "identity":
            fn, args = c.list_policies, (cfg["tenancy"],)
        else:
            fn, args = c.list_applications, (cfg["tenancy"],)
        expect_error(f"{name}: request signed with a different key is 401 NotAuthenticated", 401,
                     "NotAuthenticated", fn, *args)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--profile", default="EMULATOR")
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    cfg = oci.config.from_file(a.config, a.profile)
    cfg_tenancy = cfg["tenancy"]
    print(f"oci SDK {oci.__version__} against {a.endpoint}")
    ns = [None]
    comp = [None]
    section("object storage", lambda: ns.__setitem__(0, object_storage(cfg, a.endpoint, cfg_tenancy, a.workdir)))
    section("identity", lambda: comp.__setitem__(0, identity(cfg, a.endpoint, cfg_tenancy)))
    section("data flow", lambda: data_flow(cfg, a.endpoint, cfg_tenancy, ns[0], comp[0]))
    section("bad signature", bad_signature, cfg, a.endpoint, a.workdir)
    print(f"SDK conformance: {PASSED} checks passed, {len(FAILURES)} failed")
    for f in FAILURES:
        print(f"FAILED: {f}")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
