"""Drive the emulator with the official `oci` CLI through every emulated service.

Usage: python cli_conformance.py --oci PATH_TO_oci --endpoint URL --config FILE --profile EMULATOR --workdir DIR

Each CLI call runs as `oci --config-file FILE --profile P --endpoint URL --no-retry ...`; JSON
output is parsed and checked. Errors are read from the `ServiceError:` JSON the CLI prints on
stderr. Exits 1 if any check failed, 0 otherwise.
"""

import argparse
import gzip
import json
import os
import subprocess
import sys

FAILURES = []
PASSED = 0
ARGS = None


def check(cond, what, detail=""):
    global PASSED
    if cond:
        PASSED += 1
        print(f"  ok   {what}")
    else:
        FAILURES.append(what)
        print(f"  FAIL {what} {detail}")


def oci(*args, profile=None, config=None, retry=False):
    """Run the CLI; returns (exit code, parsed stdout JSON or None, stderr text)."""
    cmd = [ARGS.oci, "--config-file", config or ARGS.config, "--profile", profile or ARGS.profile,
           "--endpoint", ARGS.endpoint]
    if not retry:
        cmd.append("--no-retry")
    cmd += list(args)
    env = dict(os.environ, OCI_CLI_SUPPRESS_FILE_PERMISSIONS_WARNING="True", SUPPRESS_LABEL_WARNING="True")
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    out = None
    if p.stdout.strip():
        try:
            out = json.loads(p.stdout)
        except ValueError:
            out = p.stdout
    return p.returncode, out, p.stderr


def ok(what, *args, **kwargs):
    rc, out, err = oci(*args, **kwargs)
    check(rc == 0, what, f"(exit {rc}: {err.strip()[-600:]})")
    return out if rc == 0 else None


def service_error(stderr):
    i = stderr.find("{")
    if "ServiceError" not in stderr or i < 0:
        return {}
    try:
        return json.loads(stderr[i:stderr.rfind("}") + 1])
    except ValueError:
        return {}


def fails(what, status, code, *args, **kwargs):
    rc, out, err = oci(*args, **kwargs)
    e = service_error(err)
    good = rc != 0 and e.get("status") == status and (code is None or e.get("code") == code)
    check(good, what, f"(exit {rc}, error {e.get('status')} {e.get('code')}: {err.strip()[-400:]})")
    return e


def data(out):
    return (out or {}).get("data") if isinstance(out, dict) else None


def object_storage(tenancy, work):
    ns = data(ok("os ns get", "os", "ns", "get"))
    check(isinstance(ns, str) and ns, "namespace is a string", ns)
    for b in ["cli-b1", "cli-b2"]:
        out = ok(f"os bucket create {b}", "os", "bucket", "create", "--name", b, "--compartment-id", tenancy)
        check(data(out) and data(out)["name"] == b, f"bucket {b} returned")
    fails("os bucket create twice is 409", 409, "BucketAlreadyExists",
          "os", "bucket", "create", "--name", "cli-b1", "--compartment-id", tenancy)
    got = data(ok("os bucket get", "os", "bucket", "get", "--name", "cli-b1"))
    check(got and got["name"] == "cli-b1" and got.get("etag"), "bucket get has etag")
    fails("os bucket get missing is 404", 404, "BucketNotFound", "os", "bucket", "get", "--name", "cli-missing")
    listed = data(ok("os bucket list --all --page-size 1 (paginated)", "os", "bucket", "list", "--compartment-id",
                     tenancy, "--all", "--page-size", "1"))
    mine = sorted(b["name"] for b in listed or [] if b["name"].startswith("cli-b"))
    check(mine == ["cli-b1", "cli-b2"], "bucket list pages through all", mine)
    ok("os bucket update", "os", "bucket", "update", "--name", "cli-b2", "--freeform-tags", '{"k":"v"}')
    fails("os bucket update with a wrong if-match is 412", 412, None, "os", "bucket", "update", "--name", "cli-b2",
          "--freeform-tags", '{"k":"w"}', "--if-match", "wrong")

    small = os.path.join(work, "small.txt")
    with open(small, "wb") as f:
        f.write(b"order_id,amount\n1001,120.50\n")
    ok("os object put (HEAD then PUT)", "os", "object", "put", "--bucket-name", "cli-b1", "--file", small,
       "--name", "dir/small.txt", "--content-type", "text/csv", "--force")
    big = os.path.join(work, "big.bin")
    with open(big, "wb") as f:
        f.write(os.urandom(3 * 1024 * 1024 + 17))
    ok("os object put multipart (--part-size 1)", "os", "object", "put", "--bucket-name", "cli-b1", "--file", big,
       "--name", "big.bin", "--part-size", "1", "--force")
    for name, src in [("dir/small.txt", small), ("big.bin", big)]:
        dst = os.path.join(work, "download")
        ok(f"os object get {name}", "os", "object", "get", "--bucket-name", "cli-b1", "--name", name, "--file", dst)
        with open(dst, "rb") as a, open(src, "rb") as b:
            check(a.read() == b.read(), f"downloaded {name} equals the upload")
    head = ok("os object head", "os", "object", "head", "--bucket-name", "cli-b1", "--name", "dir/small.txt")
    check(isinstance(head, dict) and head.get("content-type") == "text/csv", "head echoes content-type", head)
    for i in range(3):
        ok(f"os object put p{i}", "os", "object", "put", "--bucket-name", "cli-b1", "--file", small,
           "--name", f"p/{i}", "--force")
    objs = data(ok("os object list --all --page-size 1 (paginated)", "os", "object", "list", "--bucket-name", "cli-b1",
                   "--prefix", "p/", "--all", "--page-size", "1"))
    check([o["name"] for o in objs or []] == ["p/0", "p/1", "p/2"], "object list pages through all", objs)
    ok("os object rename", "os", "object", "rename", "--bucket-name", "cli-b1", "--source-name", "p/0",
       "--new-name", "p/renamed")
    fails("os object get of the old name is 404", 404, None, "os", "object", "get", "--bucket-name", "cli-b1",
          "--name", "p/0", "--file", os.path.join(work, "x"))
    rr = data(ok("os retention-rule create", "os", "retention-rule", "create", "--bucket-name", "cli-b2",
                 "--display-name", "keep", "--time-amount", "1", "--time-unit", "DAYS"))
    if rr:
        rules = data(ok("os retention-rule list", "os", "retention-rule", "list", "--bucket-name", "cli-b2"))
        check(rules and [r["id"] for r in rules["items"]] == [rr["id"]], "retention rule listed")
        ok("os retention-rule get", "os", "retention-rule", "get", "--bucket-name", "cli-b2",
           "--retention-rule-id", rr["id"])
        ok("os retention-rule update", "os", "retention-rule", "update", "--bucket-name", "cli-b2",
           "--retention-rule-id", rr["id"], "--time-amount", "2", "--time-unit", "DAYS")
        ok("os retention-rule delete", "os", "retention-rule", "delete", "--bucket-name", "cli-b2",
           "--retention-rule-id", rr["id"], "--force")
    fails("os bucket delete non-empty is 409", 409, "BucketNotEmpty", "os", "bucket", "delete", "--name", "cli-b1",
          "--force")
    ok("os object delete", "os", "object", "delete", "--bucket-name", "cli-b1", "--name", "p/1", "--force")
    fails("os object head after delete is 404", 404, None, "os", "object", "head", "--bucket-name", "cli-b1",
          "--name", "p/1")
    ok("os bucket delete", "os", "bucket", "delete", "--name", "cli-b2", "--force")
    return ns


def identity(tenancy):
    ten = data(ok("iam tenancy get", "iam", "tenancy", "get", "--tenancy-id", tenancy))
    check(ten and ten["home-region-key"] == "IAD", "tenancy home region", ten)
    subs = data(ok("iam region-subscription list", "iam", "region-subscription", "list", "--tenancy-id", tenancy))
    check(subs and subs[0]["is-home-region"] is True, "home region subscription", subs)
    regions = data(ok("iam region list", "iam", "region", "list"))
    check(any(r["name"] == "us-ashburn-1" for r in regions or []), "region list", regions)
    comp = data(ok("iam compartment create", "iam", "compartment", "create", "--compartment-id", tenancy,
                   "--name", "cli-lab", "--description", "CLI conformance"))
    comp_id = comp["id"] if comp else tenancy
    got = data(ok("iam compartment get", "iam", "compartment", "get", "--compartment-id", comp_id))
    check(got and got["name"] == "cli-lab", "compartment get")
    subtree = data(ok("iam compartment list subtree", "iam", "compartment", "list", "--compartment-id", tenancy,
                      "--compartment-id-in-subtree", "true", "--all"))
    check(comp_id in [c["id"] for c in subtree or []], "compartment listed in the subtree")

    rule = f"ALL {{resource.type = 'dataflowrun', resource.compartment.id = '{comp_id}'}}"
    dg = data(ok("iam dynamic-group create --wait-for-state ACTIVE", "iam", "dynamic-group", "create",
                 "--name", "cli-dg", "--description", "runs", "--matching-rule", rule,
                 "--wait-for-state", "ACTIVE", "--wait-interval-seconds", "1"))
    check(dg and dg["lifecycle-state"] == "ACTIVE" and dg["matching-rule"] == rule, "dynamic group ACTIVE", dg)
    e = fails("iam dynamic-group create with a bad rule is 400", 400, "InvalidParameter", "iam", "dynamic-group",
              "create", "--name", "cli-bad", "--description", "", "--matching-rule", "ANY {resource.type = x}")
    check("quoted value" in e.get("message", ""), "rule error message is useful", e.get("message"))
    for i in range(3):
        ok(f"iam policy create {i}", "iam", "policy", "create", "--compartment-id", comp_id, "--name", f"cli-p{i}",
           "--description", "", "--statements",
           json.dumps([f"Allow dynamic-group cli-dg to read buckets in compartment cli-lab where target.bucket.name = 'b{i}'"]))
    pols = data(ok("iam policy list --all --page-size 1 (paginated)", "iam", "policy", "list", "--compartment-id",
                   comp_id, "--all", "--page-size", "1"))
    check(sorted(p["name"] for p in pols or []) == ["cli-p0", "cli-p1", "cli-p2"], "policy list pages through all")
    e = fails("iam policy create with a bad statement is 400", 400, "InvalidParameter", "iam", "policy", "create",
              "--compartment-id", comp_id, "--name", "cli-bad", "--description", "",
              "--statements", json.dumps(["Allow group A to manage buckets"]))
    check("'in' followed by tenancy or compartment" in e.get("message", ""), "statement error message is useful", e.get("message"))
    pid = next((p["id"] for p in pols or [] if p["name"] == "cli-p0"), "none")
    fails("iam policy update with a wrong --if-match is 412 (if-match conflict)", 412, "NoEtagMatch", "iam", "policy",
          "update", "--policy-id", pid, "--description", "x", "--if-match", "wrong", "--force")
    up = data(ok("iam policy update", "iam", "policy", "update", "--policy-id", pid, "--version-date", "2018-08-23",
                 "--statements", json.dumps(["Allow any-user to inspect buckets in tenancy"]), "--force"))
    check(up and up["statements"] == ["Allow any-user to inspect buckets in tenancy"], "policy updated")
    ok("iam dynamic-group update", "iam", "dynamic-group", "update", "--dynamic-group-id", dg["id"] if dg else "x",
       "--description", "changed", "--force")
    for p in pols or []:
        ok(f"iam policy delete {p['name']}", "iam", "policy", "delete", "--policy-id", p["id"], "--force")
    ok("iam dynamic-group delete --wait-for-state DELETED", "iam", "dynamic-group", "delete", "--dynamic-group-id",
       dg["id"] if dg else "x", "--force", "--wait-for-state", "DELETED", "--wait-interval-seconds", "1")
    fails("iam policy get unknown is 404", 404, "NotAuthorizedOrNotFound", "iam", "policy", "get",
          "--policy-id", "ocid1.policy.oc1..doesnotexist")
    return comp_id


def data_flow(tenancy, ns, comp_id, work):
    for b in ["cli-df-in", "cli-df-out", "cli-df-logs"]:
        ok(f"os bucket create {b}", "os", "bucket", "create", "--name", b, "--compartment-id", tenancy)
    script = os.path.join(work, "etl.py")
    with open(script, "w") as f:
        f.write("import sys\n")
    ok("upload script", "os", "object", "put", "--bucket-name", "cli-df-in", "--file", script,
       "--name", "scripts/etl_sales.py", "--force")
    shape = json.dumps({"ocpus": 1, "memoryInGBs": 16})
    common = ["--compartment-id", tenancy, "--language", "PYTHON", "--spark-version", "3.2.1",
              "--driver-shape", "VM.Standard.E4.Flex", "--driver-shape-config", shape,
              "--executor-shape", "VM.Standard.E4.Flex", "--executor-shape-config", shape, "--num-executors", "1",
              "--file-uri", f"oci://cli-df-in@{ns}/scripts/etl_sales.py",
              "--arguments", json.dumps([f"oci://cli-df-in@{ns}/etl.py", f"oci://cli-df-out@{ns}/curated/"]),
              "--logs-bucket-uri", f"oci://cli-df-logs@{ns}/"]
    app = data(ok("data-flow application create", "data-flow", "application", "create", "--display-name",
                  "cli-etl", *common))
    app_id = app["id"] if app else "none"
    e = fails("data-flow application create with a bad fileUri is 400", 400, "InvalidParameter", "data-flow",
              "application", "create", "--display-name", "bad", *common[:-6], "--file-uri", "oci://no-namespace/x.py")
    check("fileUri" in e.get("message", ""), "validation names fileUri", e.get("message"))
    for i in range(2):
        ok(f"data-flow application create extra {i}", "data-flow", "application", "create", "--display-name",
           f"cli-extra-{i}", *common)
    apps = data(ok("data-flow application list --all --page-size 1 (paginated)", "data-flow", "application", "list",
                   "--compartment-id", tenancy, "--all", "--page-size", "1"))
    mine = sorted(a["display-name"] for a in apps or [] if a["display-name"].startswith("cli-"))
    check(mine == ["cli-etl", "cli-extra-0", "cli-extra-1"], "application list pages through all", mine)
    got = data(ok("data-flow application get", "data-flow", "application", "get", "--application-id", app_id))
    check(got and got["display-name"] == "cli-etl", "application get")
    ok("data-flow application update", "data-flow", "application", "update", "--application-id", app_id,
       "--description", "lab", "--force")
    fails("data-flow application update with a wrong --if-match is 412", 412, "NoEtagMatch", "data-flow",
          "application", "update", "--application-id", app_id, "--description", "x", "--if-match", "w", "--force")

    run = data(ok("data-flow run create --wait-for-state SUCCEEDED", "data-flow", "run", "create",
                  "--compartment-id", tenancy, "--application-id", app_id, "--display-name", "cli-run",
                  "--wait-for-state", "SUCCEEDED", "--wait-for-state", "FAILED", "--wait-interval-seconds", "1"))
    check(run and run["lifecycle-state"] == "SUCCEEDED", "run SUCCEEDED", run and run.get("lifecycle-details"))
    run_id = run["id"] if run else "none"
    runs = data(ok("data-flow run list", "data-flow", "run", "list", "--compartment-id", tenancy, "--all"))
    check(run_id in [r["id"] for r in runs or []], "run listed")
    ok("data-flow run update", "data-flow", "run", "update", "--run-id", run_id, "--freeform-tags", '{"a":"b"}',
       "--force")
    logs = data(ok("data-flow run list-logs", "data-flow", "run", "list-logs", "--run-id", run_id))
    check(len(logs or []) == 2, "two driver logs", logs)
    if logs:
        dst = os.path.join(work, "driver.log.gz")
        ok("data-flow run get-log", "data-flow", "run", "get-log", "--run-id", run_id, "--name", logs[0]["name"],
           "--file", dst)
        with open(dst, "rb") as f:
            text = gzip.decompress(f.read()).decode()
        check("SparkContext" in text or "Writing Parquet" in text, "get-log returns a gzip driver log", text[:200])
    out = data(ok("os object list output", "os", "object", "list", "--bucket-name", "cli-df-out", "--all"))
    names = [o["name"] for o in out or []]
    check("curated/_SUCCESS" in names and any(n.endswith(".parquet") for n in names), "emulated output", names)
    ok("data-flow run delete (finished run: no-op)", "data-flow", "run", "delete", "--run-id", run_id, "--force")
    ok("data-flow application change-compartment", "data-flow", "application", "change-compartment",
       "--application-id", app_id, "--compartment-id", comp_id)
    ok("data-flow application delete --wait-for-state DELETED", "data-flow", "application", "delete",
       "--application-id", app_id, "--force", "--wait-for-state", "DELETED", "--wait-interval-seconds", "1")
    fails("data-flow run get unknown is 404", 404, "NotAuthorizedOrNotFound", "data-flow", "run", "get",
          "--run-id", "ocid1.dataflowrun.oc1.us-ashburn-1.doesnotexist")


def bad_signature(work):
    """A profile with the same keyId but another private key: every service answers 401."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = os.path.join(work, "cli_other_key.pem")
    with open(path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(ARGS.config) as f:
        text = f.read()
    lines, inside = [], False
    for line in text.splitlines():
        if line.startswith("["):
            inside = line.strip() == f"[{ARGS.profile}]"
        if inside and line.startswith("key_file"):
            line = f"key_file={path}"
        lines.append(line)
    cfg = os.path.join(work, "bad_config")
    with open(cfg, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(cfg, 0o600)
    fails("os ns get with a different key is 401", 401, "NotAuthenticated", "os", "ns", "get", config=cfg)
    fails("iam policy list with a different key is 401", 401, "NotAuthenticated", "iam", "policy", "list",
          "--compartment-id", TENANCY, config=cfg)
    fails("data-flow run list with a different key is 401", 401, "NotAuthenticated", "data-flow", "run", "list",
          "--compartment-id", TENANCY, config=cfg)


TENANCY = None


def main():
    global ARGS, TENANCY
    ap = argparse.ArgumentParser()
    ap.add_argument("--oci", required=True)
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--profile", default="EMULATOR")
    ap.add_argument("--workdir", required=True)
    ARGS = ap.parse_args()
    with open(ARGS.config) as f:
        for line in f:
            if line.startswith("tenancy="):
                TENANCY = line.strip().split("=", 1)[1]
    version = subprocess.run([ARGS.oci, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"oci CLI {version} against {ARGS.endpoint}")
    print("== object storage")
    ns = object_storage(TENANCY, ARGS.workdir)
    print("== identity")
    comp = identity(TENANCY)
    print("== data flow")
    data_flow(TENANCY, ns, comp, ARGS.workdir)
    print("== bad signature")
    bad_signature(ARGS.workdir)
    print(f"CLI conformance: {PASSED} checks passed, {len(FAILURES)} failed")
    for f in FAILURES:
        print(f"FAILED: {f}")
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
