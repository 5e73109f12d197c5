"""Hostile inputs of issue 9 at two sizes (n and 8n) for timing and growth factors.
Usage: python3 benches/hostile/gen.py [DIR]   (default /tmp/onus-hostile)"""
import json, os, sys
d = sys.argv[1] if len(sys.argv) > 1 else "/tmp/onus-hostile"
os.makedirs(d, exist_ok=True)
def w(name, s, mode="w"):
    with open(os.path.join(d, name), mode) as f: f.write(s)
for n in (8, 16):
    al = ",".join(["*a"]*n)
    w(f"self_pod_{n}.yaml", f"kind: Pod\napiVersion: v1\nmetadata: {{name: p}}\nspec: &a {{<<: [{al}]}}\n")
    w(f"self_cm_{n}.yaml", f"x: &a {{<<: [{al}]}}\nkind: ConfigMap\napiVersion: v1\nmetadata: {{name: c}}\ndata: *a\n")
# chain without self reference: fan-out F, depth D
for F, D in ((8, 8), (16, 8), (4, 20)):
    s = "a0: &a0 {k0: v, k1: v}\n"
    for i in range(1, D+1):
        s += f"a{i}: &a{i} {{<<: [{','.join([f'*a{i-1}']*F)}], k{i}x: v}}\n"
    s += f"kind: ConfigMap\napiVersion: v1\nmetadata: {{name: c}}\ndata: *a{D}\n"
    w(f"chain_{F}_{D}.yaml", s)
# many maps each merging a big anchor (legit but heavy): 2000 keys x 2000 merges
s = "base: &b {" + ",".join(f"k{i}: v" for i in range(2000)) + "}\nuse:\n" + "".join("- {<<: *b}\n" for _ in range(2000))
s += "kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\n"
w("wide_merge.yaml", s)
# merge beside n keys
for n in (5000, 40000):
    s = "kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\nx: &b {z: 1}\ndata:\n  <<: *b\n" + "".join(f"  k{i}: v\n" for i in range(n))
    w(f"merge_beside_{n}.yaml", s)
# duplicates
for mb in (1, 8):
    n = mb * 2800000 // 5 // 1
    w(f"dups_{mb}.yaml", "kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\ndata:\n" + "  a: v\n" * (mb*2800000//7))
# long line: json pod with n hostPath volumes
for n in (5000, 40000):
    pod = {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x"}],"volumes":[{"name":f"v{i}","hostPath":{"path":"/x"}} for i in range(n)]}}
    w(f"longline_{n}.json", json.dumps(pod, separators=(",",":")))
# n suppression comments
for n in (5000, 40000):
    s = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: x}]\n  volumes:\n"
    for i in range(n):
        s += f"  # onus: ignore host-path-volume -- ok\n  - {{name: v{i}, hostPath: {{path: /x}}}}\n"
    w(f"supp_{n}.yaml", s)
# labels vs matchLabels
for n in (5000, 40000):
    labels = "".join(f"    l{i}: v\n" for i in range(n))
    s = f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n{labels}spec:\n  containers: [{{name: c, image: x}}]\n---\n"
    s += "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np}\nspec:\n  podSelector:\n    matchLabels:\n" + "".join(f"      l{i}: v\n" for i in range(n)) + "  policyTypes: [Ingress]\n"
    w(f"labels_{n}.yaml", s)
    s = f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n{labels}spec:\n  containers: [{{name: c, image: x}}]\n---\n"
    s += "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np}\nspec:\n  podSelector:\n    matchExpressions:\n" + "".join(f"    - {{key: l{i}, operator: In, values: [v]}}\n" for i in range(n)) + "  policyTypes: [Ingress]\n"
    w(f"exprs_{n}.yaml", s)
# utf-16 without BOM, lone surrogate, odd byte
t = "apiVersion: v1\nkind: Secret\nmetadata: {name: café}\nstringData: {password: hunter2}\n"
w("u16le_nobom.yaml", t.encode("utf-16-le"), "wb")
w("u16be_nobom.yaml", t.encode("utf-16-be"), "wb")
b = b"\xff\xfe" + t.replace("é", "X").encode("utf-16-le")
i = b.index("X".encode("utf-16-le"))
w("u16_lone.yaml", b[:i] + b"\x00\xd8" + b[i+2:], "wb")
w("u16_odd.yaml", b"\xff\xfe" + t.encode("utf-16-le") + b"\x41", "wb")
# 16k pods and 16k policies; 11 MB of duplicate keys
for n in (2000, 16000):
    s = ""
    for i in range(n):
        s += f"---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, labels: {{app: a{i}}}}}\nspec: {{containers: [{{name: c, image: x}}]}}\n"
        s += f"---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: np{i}}}\nspec: {{podSelector: {{matchLabels: {{app: b{i}}}}}, policyTypes: [Ingress]}}\n"
    w(f"podpol_{n}.yaml", s)
w("dups_11mb.yaml", "kind: ConfigMap\napiVersion: v1\nmetadata: {name: c}\ndata:\n" + "  a: v\n" * (11000000 // 7))
w("good.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: good}\nspec:\n  hostNetwork: true\n  containers: [{name: c, image: x}]\n")
