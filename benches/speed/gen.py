#!/usr/bin/env python3
"""A generated corpus for `benches/speed/run.py`: NS namespaces, each with WORKLOADS workloads
(Deployments with 2 containers, probes, resources, security contexts), a Service each, and
POLICIES NetworkPolicies selecting some of them, in one file per namespace. Deterministic.

usage: benches/speed/gen.py DIR [NS] [WORKLOADS] [POLICIES]   (defaults: 40 100 60)
"""
import os
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    ns_count = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    workloads = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    policies = int(sys.argv[4]) if len(sys.argv) > 4 else 60
    os.makedirs(out, exist_ok=True)
    for n in range(ns_count):
        ns = f"team-{n:03d}"
        docs = [f"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"]
        for w in range(workloads):
            app = f"app-{w:03d}"
            docs.append(f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
  namespace: {ns}
  labels: {{app.kubernetes.io/name: {app}, tier: t{w % 7}}}
spec:
  replicas: {1 + w % 3}
  selector:
    matchLabels: {{app.kubernetes.io/name: {app}}}
  template:
    metadata:
      labels: {{app.kubernetes.io/name: {app}, tier: t{w % 7}}}
    spec:
      securityContext: {{runAsNonRoot: true, runAsUser: 10001}}
      containers:
        - name: main
          image: registry.example.com/{ns}/{app}:1.{w}.0
          ports: [{{containerPort: 8080}}]
          env:
            - {{name: LOG_LEVEL, value: info}}
            - {{name: DB_PASSWORD, valueFrom: {{secretKeyRef: {{name: db, key: password}}}}}}
          resources: {{requests: {{cpu: 100m, memory: 128Mi}}, limits: {{memory: 256Mi}}}}
          readinessProbe: {{httpGet: {{path: /ready, port: 8080}}}}
          livenessProbe: {{httpGet: {{path: /live, port: 8080}}}}
          securityContext: {{allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {{drop: [ALL]}}}}
        - name: proxy
          image: registry.example.com/proxy:2.{w % 10}.1
          resources: {{requests: {{cpu: 50m, memory: 64Mi}}, limits: {{memory: 64Mi}}}}
""")
            docs.append(f"""apiVersion: v1
kind: Service
metadata: {{name: {app}, namespace: {ns}}}
spec:
  selector: {{app.kubernetes.io/name: {app}}}
  ports: [{{port: 80, targetPort: 8080}}]
""")
        for p in range(policies):
            target = f"app-{(p * 7) % workloads:03d}"
            docs.append(f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: allow-{p:03d}, namespace: {ns}}}
spec:
  podSelector: {{matchLabels: {{app.kubernetes.io/name: {target}}}}}
  policyTypes: [Ingress]
  ingress: [{{from: [{{podSelector: {{matchLabels: {{tier: t{p % 7}}}}}}}]}}]
""")
        with open(os.path.join(out, f"{ns}.yaml"), "w") as f:
            f.write("---\n".join(docs))


if __name__ == "__main__":
    main()
