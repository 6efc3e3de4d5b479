#!/usr/bin/env python3
"""deploy/kubernetes/ read as Kubernetes reads it (python3-yaml): the
kustomization's resources parse and hold exactly a Namespace, a DaemonSet
and a RuntimeClass; the DaemonSet runs on every node (tolerates every
taint), its init container runs `portcullis install containerd --root /host
--binaries` privileged, every hostPath volume is mounted at /host plus its
host path and only by that container, the pause container runs without
privileges, and the image is the one the kustomization sets, tagged with
the version.  Then the installer itself (when this build has `portcullis
install`): every file it writes into an empty root lands inside one of the
DaemonSet's writable host folders, and the RuntimeClass's handler is the
containerd runtime its drop-in defines, with the shim's runtime_type, and
config.toml imports that drop-in.  With kubectl, `kubectl kustomize` builds
the folder and sets the image.  Skips (77) without python3-yaml, and after
the static checks when `portcullis install` is not in this build."""
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pctest  # noqa: E402
from pctest import P, check, finish  # noqa: E402

try:
    import yaml
except ImportError:
    # Debian's python3-yaml is for Debian's python3, which may not be first in PATH
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    print("skip: python3-yaml is not installed")
    sys.exit(77)

SRC = os.environ.get("PC_SOURCE_ROOT", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
KDIR = os.path.join(SRC, "deploy", "kubernetes")
NAMESPACE = "portcullis-system"


def load_docs():
    with open(os.path.join(KDIR, "kustomization.yaml")) as f:
        kust = yaml.safe_load(f)
    docs = []
    for r in kust.get("resources", []):
        with open(os.path.join(KDIR, r)) as f:
            docs += [d for d in yaml.safe_load_all(f) if d is not None]
    return kust, docs


def one(docs, kind):
    found = [d for d in docs if d.get("kind") == kind]
    check(len(found) == 1, f"{len(found)} {kind} documents, wanted 1")
    return found[0] if found else {}


def check_kustomization(kust, docs, version):
    check(kust.get("kind") == "Kustomization", f"kustomization.yaml kind: {kust.get('kind')}")
    kinds = sorted(d.get("kind", "?") for d in docs)
    check(kinds == ["DaemonSet", "Namespace", "RuntimeClass"], f"kinds: {kinds}")
    images = {i["name"]: i for i in kust.get("images", [])}
    check(set(images) == {"portcullis"}, f"kustomization images: {sorted(images)}")
    tag = str(images.get("portcullis", {}).get("newTag"))
    check(tag == version, f"kustomization newTag {tag}, but this build is {version} (build-image.sh tags the version)")
    return images.get("portcullis", {})


def check_namespace(docs):
    ns = one(docs, "Namespace")
    check(ns.get("metadata", {}).get("name") == NAMESPACE, f"namespace {ns.get('metadata')}")
    labels = ns.get("metadata", {}).get("labels", {})
    check(labels.get("pod-security.kubernetes.io/enforce") == "privileged",
          "the namespace must allow the privileged installer (pod-security.kubernetes.io/enforce: privileged)")
    for d in docs:
        if d.get("kind") in ("DaemonSet",):
            check(d["metadata"].get("namespace") == NAMESPACE, f"{d['kind']} not in {NAMESPACE}")


def host_mounts(spec):
    """{volume name: host path} of the hostPath volumes."""
    return {v["name"]: v["hostPath"]["path"] for v in spec.get("volumes", []) if "hostPath" in v}


def check_daemonset(docs):
    ds = one(docs, "DaemonSet")
    if not ds:
        return None, {}
    sel = ds["spec"]["selector"]["matchLabels"]
    labels = ds["spec"]["template"]["metadata"]["labels"]
    check(all(labels.get(k) == v for k, v in sel.items()), f"selector {sel} does not select the pods {labels}")
    spec = ds["spec"]["template"]["spec"]
    check({"operator": "Exists"} in spec.get("tolerations", []),
          f"tolerations {spec.get('tolerations')}: an 'operator: Exists' without key tolerates every taint")
    inits = spec.get("initContainers", [])
    check(len(inits) == 1, f"{len(inits)} init containers, wanted the installer alone")
    install = inits[0] if inits else {}
    cmd = install.get("command", []) + install.get("args", [])
    check(cmd[:1] == ["/usr/local/bin/portcullis"] and cmd[1:] == ["install", "containerd", "--root", "/host",
                                                                    "--binaries"], f"installer command {cmd}")
    check(install.get("securityContext", {}).get("privileged") is True, "the installer is not privileged")
    check(install.get("image") == "portcullis", f"installer image {install.get('image')}, wanted 'portcullis'")

    hosts = host_mounts(spec)
    names = {v["name"] for v in spec.get("volumes", [])}
    check(set(hosts) == names, f"volumes that are not hostPath: {sorted(names - set(hosts))}")
    mounted = set()
    for m in install.get("volumeMounts", []):
        check(m["name"] in hosts, f"installer mounts {m['name']}, which is no hostPath volume")
        if m["name"] in hosts:
            want = "/host" + hosts[m["name"]]
            check(m["mountPath"] == want, f"volume {m['name']} ({hosts[m['name']]}) mounted at {m['mountPath']}, "
                                          f"wanted {want}")
            mounted.add(m["name"])
    check(mounted == set(hosts), f"hostPath volumes the installer does not mount: {sorted(set(hosts) - mounted)}")

    cs = spec.get("containers", [])
    check(len(cs) == 1, f"{len(cs)} containers, wanted the pause container alone")
    for c in cs:
        sc = c.get("securityContext", {})
        check(not c.get("volumeMounts"), f"container {c['name']} mounts {c.get('volumeMounts')}")
        check(sc.get("privileged") is not True and sc.get("runAsNonRoot") is True
              and sc.get("allowPrivilegeEscalation") is False and sc.get("readOnlyRootFilesystem") is True
              and sc.get("capabilities", {}).get("drop") == ["ALL"], f"container {c['name']} is not unprivileged: {sc}")
        check(c.get("image") == "portcullis", f"container {c['name']} image {c.get('image')}")
    writable = sorted(hosts[m["name"]] for m in install.get("volumeMounts", [])
                      if m["name"] in hosts and not m.get("readOnly"))
    return ds, writable


def check_runtimeclass(docs):
    rc = one(docs, "RuntimeClass")
    check(rc.get("apiVersion") == "node.k8s.io/v1", f"RuntimeClass apiVersion {rc.get('apiVersion')}")
    check(rc.get("metadata", {}).get("name") == "portcullis", f"RuntimeClass name {rc.get('metadata')}")
    return rc.get("handler")


def under(path, folders):
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def check_installer(writable, handler):
    """Returns False when this build has no `portcullis install`."""
    r = subprocess.run([P, "help", "install"], capture_output=True, text=True)
    if r.returncode != 0:
        print(f"note: this build has no 'portcullis install' ({r.stderr.strip()[-200:]}): "
              "the files it writes and the runtime name are not checked")
        return False
    root = tempfile.mkdtemp(prefix="pc-kube-")
    try:
        r = subprocess.run([P, "install", "containerd", "--root", root, "--binaries"], capture_output=True, text=True)
        check(r.returncode == 0, f"portcullis install containerd --root {root} --binaries: exit {r.returncode}: "
              f"{r.stderr[-2000:]}")
        written = []
        for d, _, files in os.walk(root):
            written += ["/" + os.path.relpath(os.path.join(d, f), root) for f in files]
        check(len(written) > 0, "the installer wrote nothing")
        for w in sorted(written):
            check(under(w, writable), f"the installer writes {w}, outside the DaemonSet's host folders {writable}")
        dropin = os.path.join(root, "etc/containerd/conf.d/portcullis.toml")
        with open(dropin, "rb") as f:
            runtimes = tomllib.load(f)["plugins"]["io.containerd.grpc.v1.cri"]["containerd"]["runtimes"]
        check(handler in runtimes, f"RuntimeClass handler {handler!r} is not a runtime of {dropin}: {list(runtimes)}")
        check(runtimes.get(handler, {}).get("runtime_type") == "io.containerd.portcullis.v2",
              f"runtime {handler} in {dropin}: {runtimes.get(handler)}")
        with open(os.path.join(root, "etc/containerd/config.toml"), "rb") as f:
            imports = tomllib.load(f).get("imports", [])
        check("/etc/containerd/conf.d/portcullis.toml" in imports, f"config.toml imports {imports}")
    finally:
        shutil.rmtree(root)
    return True


def check_kubectl(image):
    if shutil.which("kubectl") is None:
        print("note: no kubectl, 'kubectl kustomize' not tried")
        return
    r = subprocess.run(["kubectl", "kustomize", KDIR], capture_output=True, text=True)
    if not check(r.returncode == 0, f"kubectl kustomize: {r.stderr[-1000:]}"):
        return
    built = list(yaml.safe_load_all(r.stdout))
    ds = [d for d in built if d and d.get("kind") == "DaemonSet"]
    want = f"{image.get('newName')}:{image.get('newTag')}"
    for d in ds:
        spec = d["spec"]["template"]["spec"]
        for c in spec.get("initContainers", []) + spec.get("containers", []):
            check(c["image"] == want, f"kubectl kustomize: container {c['name']} image {c['image']}, wanted {want}")
    print(f"ok: kubectl kustomize sets the image {want}")


def main():
    r = subprocess.run([P, "--version"], capture_output=True, text=True, check=True)
    version = r.stdout.split()[-1]
    kust, docs = load_docs()
    image = check_kustomization(kust, docs, version)
    check_namespace(docs)
    _, writable = check_daemonset(docs)
    handler = check_runtimeclass(docs)
    check_kubectl(image)
    had_installer = check_installer(writable, handler)
    if not had_installer and not pctest.failures:
        print("skip: the manifests are consistent; 'portcullis install' is missing, so not checked against it")
        sys.exit(77)
    finish()


main()
