#!/usr/bin/env python3
"""Collects the Step Functions definitions of git repositories into a corpus.

usage: collect.py OUT_DIR owner/name=GIT_DIR...

Reads each repository's HEAD with git, keeps every JSON or YAML file that is a
definition (StartAt + States) and every state machine of a SAM/CloudFormation
template whose Definition or DefinitionString can be read without deploying,
dedupes by content, and writes OUT_DIR/<name>/<path with / as __>.asl.json,
the licence files, and manifest.json (repo, path, commit of each file). See
README.md.
"""
import hashlib, json, os, re, subprocess, sys
import yaml

def git(gitdir, *args):
    return subprocess.run(["git", "-C", gitdir, *args], check=True, capture_output=True).stdout

class CfnLoader(yaml.SafeLoader):
    pass

def _tag(loader, suffix, node):
    name = "Ref" if suffix == "Ref" else "Fn::" + suffix
    if isinstance(node, yaml.ScalarNode):
        v = loader.construct_scalar(node)
        if suffix == "GetAtt":
            v = v.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        v = loader.construct_sequence(node, deep=True)
    else:
        v = loader.construct_mapping(node, deep=True)
    return {name: v}
CfnLoader.add_multi_constructor("!", _tag)
# YAML 1.2 core schema, as js-yaml (Serverless Framework) and CloudFormation read
# it: timestamps stay strings, and only true/false are booleans (YAML 1.1 also
# reads yes/no/on/off as booleans, which turns state names such as "Yes" into
# true).
CfnLoader.yaml_implicit_resolvers = {
    ch: [(t, r) for t, r in resolvers if t not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
CfnLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))

def is_definition(v):
    return isinstance(v, dict) and isinstance(v.get("States"), dict) and "StartAt" in v

def is_token(v):
    return isinstance(v, dict) and len(v) == 1 and next(iter(v)) in ("Ref",) or (
        isinstance(v, dict) and len(v) == 1 and next(iter(v)).startswith("Fn::"))

# CloudFormation's pseudo parameters, resolved the way asl.LoadAssembly resolves
# them, so that Fn::Sub strings read as the ARNs the service receives.
PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
          "AWS::URLSuffix": "amazonaws.com"}

def sub(a):
    """The text of an Fn::Sub: pseudo parameters and literal variables resolved, other ${X} kept."""
    text, env = (a, {}) if isinstance(a, str) else (a[0], a[1] if len(a) > 1 and isinstance(a[1], dict) else {})
    if not isinstance(text, str):
        return None
    def rep(m):
        k = m.group(1)
        if k in PSEUDO:
            return PSEUDO[k]
        if isinstance(env.get(k), str):
            return env[k]
        return m.group(0)
    return re.sub(r"\$\{([^}!]+)\}", rep, text)

def detoken(v):
    """Replaces CloudFormation intrinsic objects inside a definition with a placeholder string."""
    if is_token(v):
        k, a = next(iter(v.items()))
        if k == "Ref" and isinstance(a, str):
            return PSEUDO.get(a, "${%s}" % a)
        if k == "Fn::GetAtt":
            a = a if isinstance(a, list) else str(a).split(".", 1)
            return "${%s}" % ".".join(str(x) for x in a)
        if k == "Fn::Sub":
            return sub(a) or "${Token}"
        return "${Token}"
    if isinstance(v, dict):
        return {k: detoken(x) for k, x in v.items()}
    if isinstance(v, list):
        return [detoken(x) for x in v]
    return v

def string_of(v):
    """The text of a DefinitionString: a string, Fn::Sub or Fn::Join of strings and tokens."""
    if isinstance(v, str):
        return v
    if is_token(v):
        k, a = next(iter(v.items()))
        if k == "Fn::Sub":
            return sub(a)
        if k == "Fn::Join" and isinstance(a, list) and len(a) == 2 and isinstance(a[1], list):
            parts = []
            for p in a[1]:
                s = p if isinstance(p, str) else detoken(p)
                if not isinstance(s, str):
                    return None
                parts.append(s)
            return a[0].join(parts)
    return None

SM_TYPES = ("AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine")

def from_template(doc):
    out = []
    res = doc.get("Resources") if isinstance(doc, dict) else None
    if not isinstance(res, dict):
        return out
    for lid, r in res.items():
        if not isinstance(r, dict) or r.get("Type") not in SM_TYPES:
            continue
        p = r.get("Properties") or {}
        if is_definition(p.get("Definition")):
            out.append((lid, json.dumps(detoken(p["Definition"]), indent=2).encode() + b"\n"))
        elif "DefinitionString" in p:
            s = string_of(p["DefinitionString"])
            if s is None:
                continue
            try:
                d = json.loads(s)
            except ValueError:
                continue
            if is_definition(d):
                out.append((lid, s.encode() if s.endswith("\n") else s.encode() + b"\n"))
    return out

def candidates(gitdir):
    files = git(gitdir, "ls-tree", "-r", "--name-only", "HEAD").decode().splitlines()
    for path in files:
        low = path.lower()
        if "node_modules/" in low or "/cdk.out/" in low or low.startswith("cdk.out/") or "/.aws-sam/" in low:
            continue
        if not re.search(r"\.(json|ya?ml|template)$", low):
            continue
        data = git(gitdir, "show", "HEAD:" + path)
        if b"StartAt" not in data or len(data) > 500_000:
            continue
        yield path, data

def main():
    out_dir, gitdirs = sys.argv[1], sys.argv[2:]
    manifest, seen, licences = [], {}, {}
    for arg in gitdirs:
        repo, gitdir = arg.split("=", 1)
        short = repo.split("/", 1)[1]
        commit = git(gitdir, "rev-parse", "HEAD").decode().strip()
        all_files = set(git(gitdir, "ls-tree", "-r", "--name-only", "HEAD").decode().splitlines())
        for path, data in candidates(gitdir):
            found = []
            if path.lower().endswith(".json") or path.lower().endswith(".template"):
                try:
                    doc = json.loads(data)
                except ValueError:
                    doc = None
                    if re.search(rb'"States"\s*:', data) and re.search(rb'"StartAt"\s*:', data):
                        # a definition that is not JSON: kept as is, the
                        # linters must say so (definition-json)
                        print("not JSON, kept:", repo, path, file=sys.stderr)
                        found.append(("", data if data.endswith(b"\n") else data + b"\n"))
                if is_definition(doc):
                    found.append(("", data if data.endswith(b"\n") else data + b"\n"))
                elif doc is not None:
                    found += from_template(doc)
            else:
                try:
                    doc = yaml.load(data, Loader=CfnLoader)
                except yaml.YAMLError:
                    doc = None
                if is_definition(doc):
                    found.append(("", json.dumps(detoken(doc), indent=2).encode() + b"\n"))
                elif doc is not None:
                    found += from_template(doc)
            form = ("template " if any(lid for lid, _ in found) else "") + ("yaml" if re.search(r"\.ya?ml$", path, re.I) else "json")
            for lid, body in found:
                try:
                    canon = hashlib.sha256(json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()).hexdigest()
                except ValueError:
                    canon = hashlib.sha256(body).hexdigest()
                if canon in seen:
                    dup = {"repo": repo, "path": path}
                    if lid:
                        dup["resource"] = lid
                    seen[canon]["duplicates"].append(dup)
                    continue
                name = path.replace("/", "__")
                name = re.sub(r"\.(json|ya?ml|template)$", "", name, flags=re.I)
                name = re.sub(r"\.asl$", "", name)
                if lid:
                    name += "--" + lid
                name = short + "/" + name + ".asl.json"
                # licence: nearest LICENSE in the file's folders, else the repository's
                lic = None
                d = os.path.dirname(path)
                while True:
                    for cand in ("LICENSE", "LICENSE.txt", "LICENSE.md"):
                        p = (d + "/" if d else "") + cand
                        if p in all_files:
                            lic = p
                            break
                    if lic or not d:
                        break
                    d = os.path.dirname(d)
                lic_key = None
                if lic:
                    text = git(gitdir, "show", "HEAD:" + lic)
                    lic_key = "licenses/" + short + "/" + (lic.replace("/", "__") if "/" in lic else "LICENSE")
                    licences[lic_key] = text
                    notice = (os.path.dirname(lic) + "/" if "/" in lic else "") + "NOTICE"
                    if notice in all_files:
                        licences[lic_key.replace("LICENSE", "NOTICE")] = git(gitdir, "show", "HEAD:" + notice)
                entry = {"file": name, "repo": repo, "commit": commit, "path": path, "from": form, "licence": lic_key, "duplicates": []}
                if lid:
                    entry["resource"] = lid
                seen[canon] = entry
                manifest.append(entry)
                os.makedirs(os.path.join(out_dir, os.path.dirname(name)), exist_ok=True)
                with open(os.path.join(out_dir, name), "wb") as f:
                    f.write(body)
    for k, text in licences.items():
        p = os.path.join(out_dir, k)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(text)
    for e in manifest:
        if not e["duplicates"]:
            del e["duplicates"]
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    print(len(manifest), "definitions", file=sys.stderr)

main()
